import FuzzSupport

#if canImport(Glibc)
import Glibc
#endif

exit(FuzzInput.runDriver(fuzzIDX))
