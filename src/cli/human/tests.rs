//! Command lines into params: each subcommand's arguments become its method's params struct.
