package diagnose

import (
	"path"
	"strings"
)

// A cLib is a C library that Go packages use through cgo, with the names by
// which a failed build names it and the Debian packages that have it.
type cLib struct {
	// headers, libs (as in -lNAME) and pcs (pkg-config names).
	headers, libs, pcs []string
	// dev is the Debian package with the headers, the .so link and the .pc
	// file; runtime the one with the shared library a dynamically linked
	// binary needs.
	dev, runtime string
}

// cLibs are the C libraries of the Go packages that images commonly build.
var cLibs = []cLib{
	{headers: []string{"winscard.h", "PCSC/winscard.h", "pcsclite.h", "PCSC/pcsclite.h"}, libs: []string{"pcsclite"}, pcs: []string{"libpcsclite"}, dev: "libpcsclite-dev", runtime: "libpcsclite1"},
	{headers: []string{"pcap.h", "pcap/pcap.h"}, libs: []string{"pcap"}, pcs: []string{"libpcap"}, dev: "libpcap-dev", runtime: "libpcap0.8"},
	{headers: []string{"sqlite3.h"}, libs: []string{"sqlite3"}, pcs: []string{"sqlite3"}, dev: "libsqlite3-dev", runtime: "libsqlite3-0"},
	{headers: []string{"zstd.h"}, libs: []string{"zstd"}, pcs: []string{"libzstd"}, dev: "libzstd-dev", runtime: "libzstd1"},
	{headers: []string{"librdkafka/rdkafka.h"}, libs: []string{"rdkafka"}, pcs: []string{"rdkafka"}, dev: "librdkafka-dev", runtime: "librdkafka1"},
	{headers: []string{"rocksdb/c.h"}, libs: []string{"rocksdb"}, pcs: []string{"rocksdb"}, dev: "librocksdb-dev", runtime: "librocksdb7.8"},
	{headers: []string{"seccomp.h"}, libs: []string{"seccomp"}, pcs: []string{"libseccomp"}, dev: "libseccomp-dev", runtime: "libseccomp2"},
	{headers: []string{"gpgme.h"}, libs: []string{"gpgme"}, pcs: []string{"gpgme"}, dev: "libgpgme-dev", runtime: "libgpgme11"},
	{headers: []string{"btrfs/ioctl.h", "btrfs/version.h"}, dev: "libbtrfs-dev"},
	{headers: []string{"systemd/sd-journal.h", "systemd/sd-daemon.h"}, libs: []string{"systemd"}, pcs: []string{"libsystemd"}, dev: "libsystemd-dev", runtime: "libsystemd0"},
	{headers: []string{"libudev.h"}, libs: []string{"udev"}, pcs: []string{"libudev"}, dev: "libudev-dev", runtime: "libudev1"},
	{headers: []string{"libusb-1.0/libusb.h", "libusb.h"}, libs: []string{"usb-1.0"}, pcs: []string{"libusb-1.0"}, dev: "libusb-1.0-0-dev", runtime: "libusb-1.0-0"},
	{headers: []string{"hidapi/hidapi.h", "hidapi.h"}, libs: []string{"hidapi-hidraw", "hidapi-libusb"}, pcs: []string{"hidapi-hidraw", "hidapi-libusb"}, dev: "libhidapi-dev", runtime: "libhidapi-hidraw0"},
	{headers: []string{"security/pam_appl.h"}, libs: []string{"pam"}, dev: "libpam0g-dev", runtime: "libpam0g"},
	{headers: []string{"openssl/ssl.h", "openssl/evp.h", "openssl/crypto.h"}, libs: []string{"ssl", "crypto"}, pcs: []string{"openssl", "libssl", "libcrypto"}, dev: "libssl-dev", runtime: "libssl3"},
	{headers: []string{"zlib.h"}, libs: []string{"z"}, pcs: []string{"zlib"}, dev: "zlib1g-dev", runtime: "zlib1g"},
	{headers: []string{"lz4.h"}, libs: []string{"lz4"}, pcs: []string{"liblz4"}, dev: "liblz4-dev", runtime: "liblz4-1"},
	{headers: []string{"git2.h"}, libs: []string{"git2"}, pcs: []string{"libgit2"}, dev: "libgit2-dev", runtime: "libgit2-1.5"},
	{headers: []string{"magic.h"}, libs: []string{"magic"}, pcs: []string{"libmagic"}, dev: "libmagic-dev", runtime: "libmagic1"},
	{headers: []string{"libpq-fe.h"}, libs: []string{"pq"}, pcs: []string{"libpq"}, dev: "libpq-dev", runtime: "libpq5"},
	{headers: []string{"ldap.h"}, libs: []string{"ldap"}, pcs: []string{"ldap"}, dev: "libldap-dev", runtime: "libldap-2.5-0"},
	{headers: []string{"krb5.h", "gssapi/gssapi.h", "gssapi.h"}, libs: []string{"krb5", "gssapi_krb5"}, pcs: []string{"krb5", "krb5-gssapi"}, dev: "libkrb5-dev", runtime: "libgssapi-krb5-2"},
	{headers: []string{"vips/vips.h"}, libs: []string{"vips"}, pcs: []string{"vips"}, dev: "libvips-dev", runtime: "libvips42"},
	{headers: []string{"gtk/gtk.h"}, libs: []string{"gtk-3"}, pcs: []string{"gtk+-3.0"}, dev: "libgtk-3-dev", runtime: "libgtk-3-0"},
	{headers: []string{"X11/Xlib.h"}, libs: []string{"X11"}, pcs: []string{"x11"}, dev: "libx11-dev", runtime: "libx11-6"},
	{headers: []string{"GL/gl.h"}, libs: []string{"GL"}, pcs: []string{"gl"}, dev: "libgl-dev", runtime: "libgl1"},
	{headers: []string{"alsa/asoundlib.h"}, libs: []string{"asound"}, pcs: []string{"alsa"}, dev: "libasound2-dev", runtime: "libasound2"},
	{headers: []string{"libvirt/libvirt.h"}, libs: []string{"virt"}, pcs: []string{"libvirt"}, dev: "libvirt-dev", runtime: "libvirt0"},
	{headers: []string{"ltdl.h"}, libs: []string{"ltdl"}, dev: "libltdl-dev", runtime: "libltdl7"},
	{headers: []string{"gmp.h"}, libs: []string{"gmp"}, dev: "libgmp-dev", runtime: "libgmp10"},
	{headers: []string{"yara.h"}, libs: []string{"yara"}, pcs: []string{"yara"}, dev: "libyara-dev", runtime: "libyara9"},
	{headers: []string{"tesseract/baseapi.h", "tesseract/capi.h"}, libs: []string{"tesseract"}, pcs: []string{"tesseract"}, dev: "libtesseract-dev", runtime: "libtesseract5"},
	{headers: []string{"leptonica/allheaders.h"}, libs: []string{"lept", "leptonica"}, pcs: []string{"lept"}, dev: "libleptonica-dev", runtime: "liblept5"},
}

// lookupCLib finds the C library of a row 22 detail ("header pcap.h",
// "library pcsclite", "pkg-config libpcsclite"); nil when it is not one of
// cLibs.
func lookupCLib(detail string) *cLib {
	kind, name, _ := strings.Cut(detail, " ")
	for i := range cLibs {
		l := &cLibs[i]
		var names []string
		switch kind {
		case "header":
			names = l.headers
		case "library":
			names = l.libs
		case "pkg-config":
			names = l.pcs
		}
		for _, n := range names {
			if n == name || (kind == "header" && path.Base(n) == name) {
				return l
			}
		}
	}
	return nil
}
