package runtime_test

// runMaster is the body of a child process that acts as a master, for
// tests about what happens when a master dies.
func runMaster(mode string) int { return 0 }
