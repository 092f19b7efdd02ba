import Stages

RenderCommand.main()
