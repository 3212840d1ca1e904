// Package assembly reads what `cdk synth` writes: a cloud assembly directory
// (cdk.out: manifest.json, *.template.json and the nested assembly-* directories
// of stages) or a single CloudFormation template file (JSON).
//
// It builds nothing and needs neither the CDK nor Node.js:
//
//	a, err := assembly.Load("cdk.out")
//	for _, s := range a.Stacks {
//		fmt.Println(s.Name, len(s.Template.Resources))
//	}
package assembly
