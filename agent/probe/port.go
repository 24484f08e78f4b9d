package probe

import (
	"fmt"
	"net"
	"strconv"

	"github.com/shoal-dev/shoal/api"
)

// resolvePort turns a probe's port, a number or the name of one of the
// container's ports, into a number. Like kubelet, a name that matches no
// port but parses as a number is that number.
func resolvePort(port api.IntOrString, ports []api.ContainerPort) (int, error) {
	n := int(port.IntVal)
	if port.Type == api.TypeString {
		found := false
		for _, p := range ports {
			if p.Name == port.StrVal {
				n, found = int(p.ContainerPort), true
				break
			}
		}
		if !found {
			v, err := strconv.Atoi(port.StrVal)
			if err != nil {
				return 0, fmt.Errorf("no container port named %q", port.StrVal)
			}
			n = v
		}
	}
	if n < 1 || n > 65535 {
		return 0, fmt.Errorf("port %s out of range 1-65535", port)
	}
	return n, nil
}

// address is host:port of a probe, host defaulting to the pod's IP.
func address(host string, port api.IntOrString, t Target) (string, error) {
	if host == "" {
		host = t.PodIP
	}
	if host == "" {
		return "", fmt.Errorf("no pod IP to probe")
	}
	n, err := resolvePort(port, t.Ports)
	if err != nil {
		return "", err
	}
	return net.JoinHostPort(host, strconv.Itoa(n)), nil
}
