// Screen, widgets and keys of the client; filled in by the client work.
enum ChatTUIPlaceholder {}
