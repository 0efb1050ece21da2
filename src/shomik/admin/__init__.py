"""`shomik admin`: the operator's account commands, run beside (or without) the server."""
