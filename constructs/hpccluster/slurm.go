package hpccluster

// SlurmCluster holds Slurm mode's resources.
type SlurmCluster struct{}

func (h *HPCCluster) newSlurm() {}

func (h *HPCCluster) slurmBootCommands() []string { return nil }
