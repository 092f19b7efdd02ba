import Stages
DecompressCommand.main()
