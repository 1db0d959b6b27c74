// SPDX-License-Identifier: GPL-2.0

package gosync

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestUAPILayout checks uapi.go against kmod/uapi/linux/gosync.h: every
// struct's size and the offset and size of each of its members, as a C
// compiler lays them out on x86-64 and arm64 (natural alignment), and
// every constant the package uses. It reads the header, so it runs on the
// host (make go runs it; in the VM, where the header is not, it skips);
// GOSYNC_UAPI_HEADER overrides the path.

// The Go struct for each C struct.
var uapiStructs = map[string]interface{}{
	"gosync_version":        versionCmd{},
	"gosync_counter_attr":   counterAttr{},
	"gosync_lock_attr":      lockAttr{},
	"gosync_once_attr":      onceAttr{},
	"gosync_map_attr":       mapAttr{},
	"gosync_chan_attr":      chanAttr{},
	"gosync_sem_attr":       semAttr{},
	"gosync_cond_attr":      condAttr{},
	"gosync_create":         createCmd{},
	"gosync_open":           openCmd{},
	"gosync_unlink":         unlinkCmd{},
	"gosync_info":           rawInfo{},
	"gosync_info_cmd":       infoCmd{},
	"gosync_counter_cmd":    counterCmd{},
	"gosync_map_op":         mapOpRaw{},
	"gosync_map_cmd":        mapCmd{},
	"gosync_map_range":      mapRangeCmd{},
	"gosync_lock_cmd":       lockCmd{},
	"gosync_waitgroup_cmd":  waitGroupCmd{},
	"gosync_once_cmd":       onceCmd{},
	"gosync_chan_msg":       chanMsg{},
	"gosync_chan_cmd":       chanCmd{},
	"gosync_wait_case":      waitCase{},
	"gosync_wait":           waitCmd{},
	"gosync_sem_cmd":        semCmd{},
	"gosync_cond_cmd":       condCmd{},
	"gosync_mapped":         mappedPage{},
	"gosync_map_entry":      [2]uint32{}, // parsed by hand in Map.Range
	"gosync_torture":        nil,         // not used by the package
	"gosync_torture_thread": nil,
	"gosync_list":           nil,
	"gosync_holder":         rawHolder{},
	"gosync_state":          rawState{},
	"gosync_op":             nil,
	"gosync_batch":          nil,
}

// The C name of each constant the package uses.
var uapiConsts = map[string]uint64{
	"GOSYNC_IOCTL_MAGIC": iocMagic, "GOSYNC_CMD_OBJ_BASE": objCmdBase,
	"GOSYNC_NAME_MAX": nameMax, "GOSYNC_MAP_KEY_MAX": mapKeyMax,
	"GOSYNC_MAP_VALUE_MAX": mapValueMax, "GOSYNC_CHAN_MSG_MAX": chanMsgMax,
	"GOSYNC_CHAN_MSG_DEFAULT": chanMsgDef, "GOSYNC_CHAN_CAP_MAX": chanCapMax,
	"GOSYNC_CHAN_VEC_MAX": chanVecMax, "GOSYNC_WAIT_MAX": waitMax,
	"GOSYNC_ONCE_VALUE_MAX": onceValueMax, "GOSYNC_SEM_MAX": semMax,

	"GOSYNC_IOC_VERSION": iocVersion, "GOSYNC_IOC_CREATE": iocCreate,
	"GOSYNC_IOC_OPEN": iocOpen, "GOSYNC_IOC_UNLINK": iocUnlink,
	"GOSYNC_IOC_LIST": iocList, "GOSYNC_IOC_WAIT": iocWait, "GOSYNC_IOC_INFO": iocInfo,
	"GOSYNC_IOC_COUNTER": iocCounter, "GOSYNC_IOC_BATCH": iocBatch,
	"GOSYNC_IOC_MUTEX": iocMutex, "GOSYNC_IOC_RWMUTEX": iocRWMutex,
	"GOSYNC_IOC_WAITGROUP": iocWaitGroup, "GOSYNC_IOC_ONCE": iocOnce,
	"GOSYNC_IOC_MAP": iocMap, "GOSYNC_IOC_MAP_RANGE": iocMapRange,
	"GOSYNC_IOC_CHAN": iocChan, "GOSYNC_IOC_SEM": iocSem, "GOSYNC_IOC_COND": iocCond,
	"GOSYNC_CMD_WAIT": 0x06,

	"GOSYNC_TYPE_COUNTER": typeCounter, "GOSYNC_TYPE_MAP": typeMap,
	"GOSYNC_TYPE_MUTEX": typeMutex, "GOSYNC_TYPE_RWMUTEX": typeRWMutex,
	"GOSYNC_TYPE_WAITGROUP": typeWaitGroup, "GOSYNC_TYPE_ONCE": typeOnce,
	"GOSYNC_TYPE_CHAN": typeChan, "GOSYNC_TYPE_SEM": typeSem, "GOSYNC_TYPE_COND": typeCond,

	"GOSYNC_WAIT_TIMEOUT": waitTimeout, "GOSYNC_WAIT_ABSTIME": waitAbstime,
	"GOSYNC_WAIT_REALTIME": waitRealtime, "GOSYNC_WAIT_NONBLOCK": waitNonblock,
	"GOSYNC_WAIT_ALL": waitAll, "GOSYNC_WAIT_ORDERED": waitOrdered,

	"GOSYNC_OP_ADD": opAdd, "GOSYNC_OP_LOAD": opLoad, "GOSYNC_OP_STORE": opStore,
	"GOSYNC_OP_SWAP": opSwap, "GOSYNC_OP_CAS": opCAS, "GOSYNC_OP_RESET": opReset,
	"GOSYNC_OP_AND": opAnd, "GOSYNC_OP_OR": opOr,

	"GOSYNC_COUNTER_RACY": uint64(CounterRacy), "GOSYNC_COUNTER_ATOMIC": uint64(CounterAtomic),
	"GOSYNC_COUNTER_SPINLOCK": uint64(CounterSpinlock),
	"GOSYNC_COUNTER_MUTEX":    uint64(CounterMutex), "GOSYNC_COUNTER_RWSEM": uint64(CounterRWSem),
	"GOSYNC_COUNTER_PERCPU": uint64(CounterPercpu),
	"GOSYNC_MAP_SPIN":       uint64(MapSpin), "GOSYNC_MAP_RWSEM": uint64(MapRWSem),
	"GOSYNC_MAP_RCU": uint64(MapRCU),

	"GOSYNC_MAP_LOAD": mapLoad, "GOSYNC_MAP_STORE": mapStore,
	"GOSYNC_MAP_LOAD_OR_STORE": mapLoadOrStore, "GOSYNC_MAP_LOAD_AND_DELETE": mapLoadAndDelete,
	"GOSYNC_MAP_DELETE": mapDelete, "GOSYNC_MAP_SWAP": mapSwap,
	"GOSYNC_MAP_COMPARE_AND_SWAP":   mapCompareAndSwap,
	"GOSYNC_MAP_COMPARE_AND_DELETE": mapCompareAndDelete,
	"GOSYNC_MAP_CLEAR":              mapClear, "GOSYNC_MAP_LEN": mapLen,
	"GOSYNC_MAP_F_NOVALUE": mapFNoValue,

	"GOSYNC_LOCK_LOCK": lockLock, "GOSYNC_LOCK_TRYLOCK": lockTryLock,
	"GOSYNC_LOCK_UNLOCK": lockUnlock, "GOSYNC_LOCK_RLOCK": lockRLock,
	"GOSYNC_LOCK_TRYRLOCK": lockTryRLock, "GOSYNC_LOCK_RUNLOCK": lockRUnlock,
	"GOSYNC_LOCK_ATTR_NONROBUST": lockNonRobust,

	"GOSYNC_WG_ADD": wgAdd, "GOSYNC_WG_DONE": wgDone, "GOSYNC_WG_WAIT": wgWait,
	"GOSYNC_WG_LOAD": wgLoad, "GOSYNC_WG_F_HOLD": wgFHold,
	"GOSYNC_WG_F_UNHELD": wgFUnheld,

	"GOSYNC_ONCE_DO": onceDo, "GOSYNC_ONCE_COMPLETE": onceComplete,
	"GOSYNC_ONCE_LOAD": onceLoad, "GOSYNC_ONCE_RUN": onceRun, "GOSYNC_ONCE_DONE": onceDone,
	"GOSYNC_ONCE_ABANDONED": onceAbandoned, "GOSYNC_ONCE_ATTR_RETRY": onceRetry,
	"GOSYNC_ONCE_F_FAILED":     onceFailed,
	"GOSYNC_FEATURE_WG_UNHELD": featureWGUnheld, "GOSYNC_FEATURE_ONCE_FAILED": featureOnceFailed,

	"GOSYNC_CHAN_SEND": chanSend, "GOSYNC_CHAN_RECV": chanRecv,
	"GOSYNC_CHAN_CLOSE": chanClose, "GOSYNC_CHAN_LEN": chanLen,

	"GOSYNC_CASE_LOCK": caseLock, "GOSYNC_CASE_RLOCK": caseRLock,
	"GOSYNC_CASE_WG_ZERO": caseWGZero, "GOSYNC_CASE_ONCE_DONE": caseOnceDone,
	"GOSYNC_CASE_SEND": caseSend, "GOSYNC_CASE_RECV": caseRecv,
	"GOSYNC_CASE_ACQUIRE": caseAcquire, "GOSYNC_CASE_CLOSED": caseClosed,

	"GOSYNC_SEM_ACQUIRE": semAcquire, "GOSYNC_SEM_TRYACQUIRE": semTryAcquire,
	"GOSYNC_SEM_RELEASE": semRelease, "GOSYNC_SEM_LOAD": semLoad,
	"GOSYNC_SEM_ATTR_NONROBUST": semNonRobust,

	"GOSYNC_COND_WAIT": condWait, "GOSYNC_COND_SIGNAL": condSignal,
	"GOSYNC_COND_BROADCAST": condBroadcast,

	"GOSYNC_INFO_NAMED": infoNamed,

	"GOSYNC_STATE_LOCKED": stateLocked, "GOSYNC_STATE_STARVING": stateStarving,
	"GOSYNC_STATE_CLOSED": stateClosed, "GOSYNC_STATE_DONE": stateDone,
	"GOSYNC_WAIT_HIST": stateWaitHist, "GOSYNC_STATE_HOLDERS": stateHolders,
	"GOSYNC_HOLDERS_MAX": holdersMax, "GOSYNC_HOLDER_WRITE": holderWrite,
	"GOSYNC_HOLDER_OPENER": holderOpener, "GOSYNC_HOLDER_EXITED": holderExited,
	"GOSYNC_STAT_UNLOCKS": statUnlocks,

	"GOSYNC_CREATE_MAPPED": createMapped, "GOSYNC_TOKEN_MAX": tokenMax,
	"GOSYNC_MUTEX_TOKEN": mutexToken, "GOSYNC_MUTEX_WAITERS": mutexWaiters,
	"GOSYNC_MUTEX_SPINNING": mutexSpinning,
	"GOSYNC_WG_WAITERS":     wgWaiters, "GOSYNC_WG_POLLED": wgPolled, "GOSYNC_WG_KERNEL": wgKernel,
	"GOSYNC_WG_SHIFT": wgShift, "GOSYNC_SEM_FREE": semFree, "GOSYNC_SEM_KERNEL": semKernel,
	"GOSYNC_RWMUTEX_WRITER": rwWriter, "GOSYNC_RWMUTEX_WAITERS": rwWaiters,
	"GOSYNC_RWMUTEX_READER": rwReader, "GOSYNC_RWMUTEX_READERS": rwReaders,
	"GOSYNC_RWMUTEX_READER_SHIFT": rwReaderShift, "GOSYNC_RWMUTEX_MAX_READERS": rwMaxReaders,
}

func uapiHeader(t *testing.T) string {
	path := os.Getenv("GOSYNC_UAPI_HEADER")
	if path == "" {
		path = filepath.Join("..", "..", "kmod", "uapi", "linux", "gosync.h")
	}
	b, err := os.ReadFile(path)
	if os.IsNotExist(err) && os.Getenv("GOSYNC_UAPI_HEADER") == "" {
		t.Skipf("no %s here (run from user/go, or set GOSYNC_UAPI_HEADER)", path)
	}
	if err != nil {
		t.Fatal(err)
	}
	// Comments out; line continuations joined.
	s := regexp.MustCompile(`(?s)/\*.*?\*/`).ReplaceAllString(string(b), " ")
	s = regexp.MustCompile(`//[^\n]*`).ReplaceAllString(s, " ")
	return strings.ReplaceAll(s, "\\\n", " ")
}

// A cMember is one member of a C struct as laid out: offset, size, align.
type cMember struct {
	name             string
	off, size, align int
}

type cLayout struct {
	members     []cMember
	size, align int
}

var cScalars = map[string]int{"__u8": 1, "__s8": 1, "char": 1, "__u16": 2, "__s16": 2,
	"__u32": 4, "__s32": 4, "__u64": 8, "__s64": 8}

// layoutC lays out a struct (or, union, a union) body of declarations.
func layoutC(body string, union bool, structs map[string]cLayout, consts map[string]uint64) (cLayout, error) {
	var l cLayout
	l.align = 1
	end := 0
	for _, d := range splitDecls(body) {
		var m cMember
		if strings.HasPrefix(d, "union") || strings.HasPrefix(d, "struct {") {
			i, j := strings.Index(d, "{"), strings.LastIndex(d, "}")
			inner, err := layoutC(d[i+1:j], strings.HasPrefix(d, "union"), structs, consts)
			if err != nil {
				return l, err
			}
			m = cMember{name: strings.TrimSpace(d[j+1:]), size: inner.size, align: inner.align}
		} else {
			f := strings.Fields(d)
			typ, decl := strings.Join(f[:len(f)-1], " "), f[len(f)-1]
			if strings.HasPrefix(typ, "struct ") {
				sl, ok := structs[strings.TrimPrefix(typ, "struct ")]
				if !ok {
					return l, fmt.Errorf("unknown %s", typ)
				}
				m.size, m.align = sl.size, sl.align
			} else if n, ok := cScalars[typ]; ok {
				m.size, m.align = n, n
			} else {
				return l, fmt.Errorf("unknown type %q", typ)
			}
			m.name = decl
			if i := strings.Index(decl, "["); i >= 0 {
				n, err := evalC(strings.TrimSuffix(decl[i+1:], "]"), consts)
				if err != nil {
					return l, err
				}
				m.name, m.size = decl[:i], m.size*int(n)
			}
		}
		if union {
			m.off = 0
		} else {
			m.off = (end + m.align - 1) / m.align * m.align
		}
		if m.off+m.size > end {
			end = m.off + m.size
		}
		if m.align > l.align {
			l.align = m.align
		}
		l.members = append(l.members, m)
	}
	l.size = (end + l.align - 1) / l.align * l.align
	return l, nil
}

// splitDecls splits a body at the semicolons outside braces.
func splitDecls(body string) []string {
	var out []string
	depth, start := 0, 0
	for i, c := range body {
		switch c {
		case '{':
			depth++
		case '}':
			depth--
		case ';':
			if depth == 0 {
				if d := strings.Join(strings.Fields(body[start:i]), " "); d != "" {
					out = append(out, d)
				}
				start = i + 1
			}
		}
	}
	return out
}

// evalC evaluates the constant expressions the header uses.
func evalC(e string, consts map[string]uint64) (uint64, error) {
	e = strings.TrimSpace(e)
	for strings.HasPrefix(e, "(") && strings.HasSuffix(e, ")") {
		e = strings.TrimSpace(e[1 : len(e)-1])
	}
	if v, ok := consts[e]; ok {
		return v, nil
	}
	if m := regexp.MustCompile(`^_BITUL\((.+)\)$`).FindStringSubmatch(e); m != nil {
		n, err := evalC(m[1], consts)
		return 1 << n, err
	}
	if m := regexp.MustCompile(`^_IO\((\w+), *(\w+)\)$`).FindStringSubmatch(e); m != nil {
		a, err := evalC(m[1], consts)
		if err != nil {
			return 0, err
		}
		b, err := evalC(m[2], consts)
		return a<<8 | b, err
	}
	if m := regexp.MustCompile(`^(.+?) *<< *(.+)$`).FindStringSubmatch(e); m != nil {
		a, err := evalC(m[1], consts)
		if err != nil {
			return 0, err
		}
		b, err := evalC(m[2], consts)
		return a << b, err
	}
	n := strings.TrimRight(e, "ULul")
	return strconv.ParseUint(n, 0, 64)
}

func TestUAPILayout(t *testing.T) {
	h := uapiHeader(t)

	// Constants: #defines and enum members, in header order.
	consts := map[string]uint64{}
	defRE := regexp.MustCompile(`(?m)^#define[ \t]+(GOSYNC_\w+)[ \t]+(.+?)[ \t]*$`)
	for _, m := range defRE.FindAllStringSubmatch(h, -1) {
		if v, err := evalC(m[2], consts); err == nil {
			consts[m[1]] = v
		}
	}
	enumRE := regexp.MustCompile(`(?s)enum\s*\w*\s*\{(.*?)\}`)
	for _, m := range enumRE.FindAllStringSubmatch(h, -1) {
		for _, item := range strings.Split(m[1], ",") {
			kv := strings.SplitN(item, "=", 2)
			if len(kv) != 2 {
				continue
			}
			v, err := evalC(kv[1], consts)
			if err != nil {
				t.Fatalf("enum member %q: %v", item, err)
			}
			consts[strings.TrimSpace(kv[0])] = v
		}
	}
	// The #defines that use enum members (the ioctl numbers), again.
	for _, m := range defRE.FindAllStringSubmatch(h, -1) {
		if v, err := evalC(m[2], consts); err == nil {
			consts[m[1]] = v
		}
	}
	for name, want := range uapiConsts {
		got, ok := consts[name]
		if !ok {
			t.Errorf("%s: not in the header", name)
		} else if got != want {
			t.Errorf("%s = %#x in the header, %#x in uapi.go", name, got, want)
		}
	}

	// Structs, in header order (a struct uses only those before it).
	structs := map[string]cLayout{}
	structRE := regexp.MustCompile(`struct\s+(\w+)\s*\{`)
	for _, loc := range structRE.FindAllStringSubmatchIndex(h, -1) {
		name := h[loc[2]:loc[3]]
		depth, i := 1, loc[1]
		for ; depth > 0; i++ {
			switch h[i] {
			case '{':
				depth++
			case '}':
				depth--
			}
		}
		l, err := layoutC(h[loc[1]:i-1], false, structs, consts)
		if err != nil {
			t.Fatalf("struct %s: %v", name, err)
		}
		structs[name] = l
	}
	for name, l := range structs {
		g, ok := uapiStructs[name]
		if !ok {
			t.Errorf("struct %s: not in uapi_test.go's table", name)
			continue
		}
		if g == nil {
			continue
		}
		gt := reflect.TypeOf(g)
		if int(gt.Size()) != l.size {
			t.Errorf("struct %s: %d bytes, %s: %d", name, l.size, gt, gt.Size())
		}
		if gt.Kind() != reflect.Struct {
			continue
		}
		// Each C member at an offset must have a Go field at that offset,
		// of its size (a Go field may cover several C ones: [8]uint64 for
		// the create attributes).
		goAt := map[int]int{}
		for i := 0; i < gt.NumField(); i++ {
			f := gt.Field(i)
			goAt[int(f.Offset)] = int(f.Type.Size())
		}
		for _, m := range l.members {
			sz, ok := goAt[m.off]
			if !ok || sz != m.size {
				t.Errorf("struct %s: %s at %d, %d bytes: %s has no such field (%v)",
					name, m.name, m.off, m.size, gt, goAt)
			}
		}
		if len(goAt) != len(l.members) {
			t.Errorf("struct %s: %d members, %s %d fields", name, len(l.members), gt, len(goAt))
		}
	}
	for name := range uapiStructs {
		if _, ok := structs[strings.TrimSpace(name)]; !ok {
			t.Errorf("struct %s: not in the header", name)
		}
	}
}
