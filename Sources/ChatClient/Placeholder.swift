// The connection and chat state of the client; filled in by the client work.
enum ChatClientPlaceholder {}
