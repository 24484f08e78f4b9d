package main

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/shoal-dev/shoal/api"
)

// describeClaim prints a PersistentVolumeClaim as kubectl describes it:
// class, status, volume, size, access modes, and the pods that use it
// (Used By), which is what keeps a deleted claim Terminating. It adds
// the node holding the data, which kubectl finds on the PersistentVolume.
func describeClaim(w io.Writer, c *api.PersistentVolumeClaim, pods []*api.Pod) {
	class := ""
	if c.Spec.StorageClassName != nil {
		class = *c.Spec.StorageClassName
	}
	capacity := ""
	if q, ok := c.Status.Capacity[api.ResourceStorage]; ok {
		capacity = q.String()
	}
	var users []string
	for _, p := range pods {
		if p.Namespace == c.Namespace && p.UsesClaims() && slices.Contains(p.Spec.ClaimNames(), c.Name) {
			users = append(users, p.Name)
		}
	}
	fmt.Fprintf(w, "Name:          %s\n", c.Name)
	fmt.Fprintf(w, "Namespace:     %s\n", c.Namespace)
	fmt.Fprintf(w, "StorageClass:  %s\n", class)
	fmt.Fprintf(w, "Status:        %s\n", claimStatus(c))
	fmt.Fprintf(w, "Volume:        %s\n", c.Spec.VolumeName)
	fmt.Fprintf(w, "Node:          %s\n", orNone(c.ClaimNode()))
	fmt.Fprintf(w, "Labels:        %s\n", strings.ReplaceAll(mapString(c.Labels), "\n              ", "\n               "))
	fmt.Fprintf(w, "Annotations:   %s\n", strings.ReplaceAll(mapString(c.Annotations), "\n              ", "\n               "))
	fmt.Fprintf(w, "Capacity:      %s\n", capacity)
	fmt.Fprintf(w, "Access Modes:  %s\n", accessModesShort(c.Status.AccessModes))
	fmt.Fprintf(w, "VolumeMode:    Filesystem\n")
	fmt.Fprintf(w, "Used By:       %s\n", orNone(strings.Join(users, "\n               ")))
}
