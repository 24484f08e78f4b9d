// Package hostinfo reads what the agent gossips about its machine: CPU,
// memory and disk capacity, what of them is free, and the OS, architecture
// and kernel. It is Linux only and reads /proc and statfs; on other systems
// its functions return errors.ErrUnsupported.
//
// CPU capacity is runtime.NumCPU() (the CPUs this process may run on) in
// millicores. It deliberately ignores a CFS quota on the agent's own cgroup:
// pods run in containerd's cgroups, not the agent's, so a quota on the
// agent (a systemd slice, say) says nothing about what pods can use.
//
// hostinfo does nothing else: no caching, no goroutines, no logging.
package hostinfo

// Resources is an amount of CPU, memory and disk.
type Resources struct {
	// CPU in millicores (1000 = one core).
	CPU int64
	// Memory in bytes.
	Memory int64
	// Disk in bytes, on the filesystem holding the data dir.
	Disk int64
}
