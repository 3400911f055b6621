/// Every JSON-RPC method CheckBridge offers, grouped by area in the files beside this one.
enum RPCMethods {
    static var all: [RPCMethod] {
        let methods =
            system + checkGroups + checks + assets + results + mail + channels + customers + tickets + apiKeys
        return methods + [discover(methods)]
    }
}
