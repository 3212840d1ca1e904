// Package gureumcli implements the gureum command: diff, diagram and report
// over synthesized cloud assemblies. The command's main package only calls Main.
//
//	os.Exit(gureumcli.Main(os.Args[1:]))
package gureumcli
