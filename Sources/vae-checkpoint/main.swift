import Stages

CheckpointCommand.main()
