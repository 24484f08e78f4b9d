package pods

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"path/filepath"
)

// Labels on every container the reconciler creates.
const (
	LabelPodUID       = "shoal.dev/pod-uid"
	LabelPodName      = "shoal.dev/pod-name"
	LabelPodNamespace = "shoal.dev/pod-namespace"
	LabelContainer    = "shoal.dev/container"
)

// containerID is the containerd ID of container name of pod uid: short,
// unique per node, and the same every time so a restarted agent finds it.
func containerID(uid, name string) string {
	h := sha256.Sum256([]byte(uid + "/" + name))
	if len(name) > 40 {
		name = name[:40]
	}
	return hex.EncodeToString(h[:8]) + "-" + name
}

// podDir is where the pod's files live: volumes, /etc files.
func podDir(dataDir, uid string) string { return filepath.Join(dataDir, "pods", uid) }

// logDir holds one pod's container logs, kubelet-style.
func logDir(dataDir, namespace, name, uid string) string {
	return filepath.Join(dataDir, "logs", namespace+"_"+name+"_"+uid)
}

// LogPath is the log file of one run of a container: runs are counted by
// restartCount, so --previous is restartCount-1.
func LogPath(dataDir, namespace, name, uid, container string, restart int32) string {
	return filepath.Join(logDir(dataDir, namespace, name, uid), container, fmt.Sprintf("%d.log", restart))
}

// claimDir is where a StatefulSet's persistent volume lives on its node.
func claimDir(dataDir, namespace, claim string) string {
	return filepath.Join(dataDir, "volumes", namespace, claim)
}
