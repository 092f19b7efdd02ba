import Stages
FetchCommand.main()
