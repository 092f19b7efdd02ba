import Stages

BenchCommand.main()
