//go:build !unix

package cdkapp

// reexec is a no-op where a process cannot replace itself: the variables
// are set for the processes the program starts after QuietJSII.
func reexec() {}
