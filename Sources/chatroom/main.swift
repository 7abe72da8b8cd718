import CNcursesw

// Placeholder until the client lands: proves the ncurses module links.
_ = CNcursesw_cols()
print("chatroom: not built yet")
