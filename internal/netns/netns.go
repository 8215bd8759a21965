// Package netns puts processes of a test in network namespaces of their
// own, each joined to the test's namespace by a veth pair: hosts of a
// cluster that reach their master over a link the test can cut or slow
// down, as machines on a network would. It drives the ip and tc commands
// and needs root; Available says why not, for a test to skip with.
package netns

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
)

// Lab is a set of namespaces, one per host. Host i lives in namespace
// NS(i) with address HostIP(i); the test's namespace reaches it at
// MasterIP(i), on a /30 of its own. Close removes every namespace and
// link, and is safe to call more than once.
type Lab struct {
	prefix string
	n      int
	mu     sync.Mutex
	closed bool
}

// Available reports nil when this process can make network namespaces
// (root, the ip command, a kernel that lets it), or why it cannot.
func Available() error {
	if os.Geteuid() != 0 {
		return errors.New("netns: not root")
	}
	if _, err := exec.LookPath("ip"); err != nil {
		return fmt.Errorf("netns: no ip command: %w", err)
	}
	name := fmt.Sprintf("shmrun-probe-%d", os.Getpid())
	if out, err := exec.Command("ip", "netns", "add", name).CombinedOutput(); err != nil {
		return fmt.Errorf("netns: ip netns add: %v: %s", err, strings.TrimSpace(string(out)))
	}
	exec.Command("ip", "netns", "del", name).Run()
	return nil
}

// New makes n namespaces with their links up. tag keeps the names of
// concurrent labs apart (a test's, with the process id); it must be at
// most 5 characters, as interface names are at most 15.
func New(tag string, n int) (*Lab, error) {
	if n < 1 || n > 200 || len(tag) > 5 {
		return nil, fmt.Errorf("netns: %d namespaces tagged %q", n, tag)
	}
	l := &Lab{prefix: fmt.Sprintf("sh%s%d", tag, os.Getpid()%10000), n: n}
	for i := range n {
		if err := l.add(i); err != nil {
			l.Close()
			return nil, err
		}
	}
	return l, nil
}

// NS is the name of host i's namespace.
func (l *Lab) NS(i int) string { return fmt.Sprintf("%s-%d", l.prefix, i) }

// Link is the name of the test's end of host i's link.
func (l *Lab) Link(i int) string { return fmt.Sprintf("%sa%d", l.prefix, i) }

func (l *Lab) peer(i int) string { return fmt.Sprintf("%sb%d", l.prefix, i) }

// MasterIP is the test namespace's address on host i's link.
func (l *Lab) MasterIP(i int) string { return fmt.Sprintf("10.213.%d.1", i) }

// HostIP is host i's address.
func (l *Lab) HostIP(i int) string { return fmt.Sprintf("10.213.%d.2", i) }

func (l *Lab) add(i int) error {
	ns, a, b := l.NS(i), l.Link(i), l.peer(i)
	for _, args := range [][]string{
		{"netns", "add", ns},
		{"link", "add", a, "type", "veth", "peer", "name", b},
		{"link", "set", b, "netns", ns},
		{"addr", "add", l.MasterIP(i) + "/30", "dev", a},
		{"link", "set", a, "up"},
		{"-n", ns, "addr", "add", l.HostIP(i) + "/30", "dev", b},
		{"-n", ns, "link", "set", b, "up"},
		{"-n", ns, "link", "set", "lo", "up"},
	} {
		if err := ip(args...); err != nil {
			return err
		}
	}
	return nil
}

// Command returns a command that runs name with args in host i's
// namespace.
func (l *Lab) Command(i int, name string, args ...string) *exec.Cmd {
	return exec.Command("ip", append([]string{"netns", "exec", l.NS(i), name}, args...)...)
}

// Cut takes host i's link down (the test's end): a partition.
func (l *Lab) Cut(i int) error { return ip("link", "set", l.Link(i), "down") }

// Limit caps the rate of what the test's namespace sends to host i with a
// token bucket filter (tc tbf; this kernel has no netem), rate as tc
// reads it ("100mbit").
func (l *Lab) Limit(i int, rate string) error {
	out, err := exec.Command("tc", "qdisc", "add", "dev", l.Link(i), "root", "tbf", "rate", rate,
		"burst", "64kb", "latency", "100ms").CombinedOutput()
	if err != nil {
		return fmt.Errorf("netns: tc: %v: %s", err, strings.TrimSpace(string(out)))
	}
	return nil
}

// Close deletes the namespaces, which deletes their links (and the ends
// in the test's namespace with them), then any link left. It returns the
// first failure, having tried everything.
func (l *Lab) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return nil
	}
	l.closed = true
	var first error
	for i := range l.n {
		if err := ip("netns", "del", l.NS(i)); err != nil && first == nil && exists("/run/netns/"+l.NS(i)) {
			first = err
		}
		// The test's end goes with the namespace's, though not always at
		// once: one still there when deleted, and there after, is left.
		link := "/sys/class/net/" + l.Link(i)
		if exists(link) {
			if err := ip("link", "del", l.Link(i)); err != nil && first == nil && exists(link) {
				first = err
			}
		}
	}
	return first
}

// Leftovers lists namespaces and links of this package still there: a
// test checks there are none once it closed its labs.
func Leftovers(tag string) []string {
	prefix := fmt.Sprintf("sh%s%d", tag, os.Getpid()%10000)
	var left []string
	for _, dir := range []string{"/run/netns", "/sys/class/net"} {
		entries, _ := os.ReadDir(dir)
		for _, e := range entries {
			if strings.HasPrefix(e.Name(), prefix) {
				left = append(left, dir+"/"+e.Name())
			}
		}
	}
	return left
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

func ip(args ...string) error {
	out, err := exec.Command("ip", args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("netns: ip %s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return nil
}
