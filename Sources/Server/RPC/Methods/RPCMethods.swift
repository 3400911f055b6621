/// Every JSON-RPC method CheckBridge offers, grouped by area in the files beside this one.
enum RPCMethods {
    static var all: [RPCMethod] {
        let methods = system + checkGroups + checks + results + mail + apiKeys
        return methods + [discover(methods)]
    }
}
