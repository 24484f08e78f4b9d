package api

// ContainerRestartPolicy is the restart policy of one init container.
type ContainerRestartPolicy string

// ContainerRestartAlways makes an init container a sidecar: it starts in
// order with the other init containers but keeps running next to the
// pod's containers, restarted whenever it exits, and is stopped after
// them.
const ContainerRestartAlways ContainerRestartPolicy = "Always"

// IsSidecar reports whether c is a sidecar: an init container with
// restartPolicy Always.
func (c *Container) IsSidecar() bool {
	return c.RestartPolicy != nil && *c.RestartPolicy == ContainerRestartAlways
}
