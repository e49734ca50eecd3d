// Package etcdtest runs a real etcd for tests: the etcd server v3.6 embedded in the
// test process (go.etcd.io/etcd/server/v3/embed), no binary and no fake.
//
// [Start] starts a single-member cluster on free 127.0.0.1 ports with its data in
// the test's temporary directory, waits until it is ready, and stops it with the
// test. [StartMain] does the same for TestMain, where one etcd serves the whole
// package:
//
//	var etcd *etcdtest.Etcd
//
//	func TestMain(m *testing.M) {
//		e, stop, err := etcdtest.StartMain()
//		if err != nil {
//			fmt.Fprintln(os.Stderr, err)
//			os.Exit(1)
//		}
//		etcd = e
//		code := m.Run()
//		stop()
//		os.Exit(code)
//	}
//
// # Registry kit
//
// [Etcd.Publish] registers an address as go-zero's discov.Publisher does (the
// key "<key>/<lease id>" under a kept-alive lease) and [Etcd.List] lists what a
// go-zero subscriber of the key sees: an *Etcd is the etcd implementation of
// dtmdrivertest.Registry. [Etcd.Register] is Publish for code without a
// testing.TB.
//
// # Faults
//
// [Etcd.Stop] stops a member and keeps its ports and data; [Etcd.Restart] starts
// it again on the same ports, so clients reconnect to the same address and find
// their keys and leases. [StartCluster] starts a multi-member cluster in the same
// process; stopping one of three members leaves a cluster that still serves.
//
// Stopping takes a while when clients keep streams open: etcd drains them for
// 5 s plus two election timeouts before it cuts them. go-zero caches its etcd
// clients for the life of the process, so with go-zero in the test, start one etcd
// per package and stop it at the end.
//
// # Authentication
//
// [Etcd.EnableAuth] creates the root user (password [RootPassword]) and users
// whose roles may read and write a key prefix or every key, then turns
// authentication on.
//
// [Etcd.Client] and [Cluster.Client] return clients for a test's own checks,
// logged in as root once auth is on.
package etcdtest
