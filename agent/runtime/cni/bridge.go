package cni

import (
	"errors"
	"fmt"
	"net"
	"net/netip"

	"github.com/vishvananda/netlink"
)

// ensureBridge makes the node's bridge with the gateway address and brings
// it up, so the gateway (pods' DNS) answers before the first pod exists.
// The bridge plugin adopts it on the first ADD.
func ensureBridge(name string, mtu int, gateway netip.Prefix) error {
	link, err := netlink.LinkByName(name)
	var notFound netlink.LinkNotFoundError
	switch {
	case errors.As(err, &notFound):
		br := &netlink.Bridge{LinkAttrs: netlink.LinkAttrs{Name: name, MTU: mtu}}
		if err := netlink.LinkAdd(br); err != nil {
			return fmt.Errorf("cni: create bridge %s: %w", name, err)
		}
		if link, err = netlink.LinkByName(name); err != nil {
			return fmt.Errorf("cni: find bridge %s: %w", name, err)
		}
	case err != nil:
		return fmt.Errorf("cni: find bridge %s: %w", name, err)
	case link.Type() != "bridge":
		return fmt.Errorf("cni: Bridge %q: a %s link of that name exists", name, link.Type())
	}
	addr := &netlink.Addr{IPNet: &net.IPNet{IP: gateway.Addr().AsSlice(), Mask: net.CIDRMask(gateway.Bits(), 32)}}
	if err := netlink.AddrReplace(link, addr); err != nil {
		return fmt.Errorf("cni: address bridge %s: %w", name, err)
	}
	if err := netlink.LinkSetUp(link); err != nil {
		return fmt.Errorf("cni: bring bridge %s up: %w", name, err)
	}
	return nil
}
