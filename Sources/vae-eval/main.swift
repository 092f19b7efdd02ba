import Stages

EvalCommand.main()
