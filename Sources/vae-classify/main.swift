import Stages

ClassifyCommand.main()
