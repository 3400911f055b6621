import CFuzzerDriver
import Foundation

var arguments = CommandLine.argc
var argumentValues: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
exit(LLVMFuzzerRunDriver(&arguments, &argumentValues) { data, size in
    guard let data else { return 0 }
    return fuzz(data, size)
})
