import Stages

TrainCommand.main()
