import Stages

CorruptCommand.main()
