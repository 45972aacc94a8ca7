#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Mail clients for the server tests, run inside a test root.

  client.py imap USER PASS [list] [lsub] [select] [quota] [examine=FOLDER] [noop]
  client.py pop3 USER PASS
  client.py raw PORT LINE...        (prints every line the server answers)
  client.py storm USER PASS N       (N/2 IMAP and N/2 POP3 logins at once)

Prints one line per fact ("LOGIN OK", "LIST Drafts", "STAT 0 0", ...);
exits 0 when the login (all logins for storm) succeeded, 1 otherwise.
Servers listen on 127.0.0.1, IMAP on 143 and POP3 on 110.
"""
import imaplib
import poplib
import re
import socket
import sys
import threading

HOST = "127.0.0.1"
IMAP_PORT = 143
POP3_PORT = 110
TIMEOUT = 60


def out(*words):
    print(" ".join(str(w) for w in words), flush=True)


def text(b):
    return b.decode("utf-8", "replace") if isinstance(b, bytes) else str(b)


def mailbox_name(line):
    # (\HasNoChildren) "." "INBOX.Sent"  or  (\HasNoChildren) "." Sent
    m = re.match(r'\(([^)]*)\) (?:"(?:[^"\\]|\\.)*"|NIL) (.*)$', text(line))
    if not m:
        return text(line)
    name = m.group(2)
    if name.startswith('"') and name.endswith('"'):
        name = name[1:-1]
    return name


def imap(user, password, actions):
    try:
        c = imaplib.IMAP4(HOST, IMAP_PORT, timeout=TIMEOUT)
    except OSError as e:
        out("CONNECT FAILED", e)
        return 1
    try:
        typ, data = c.login(user, password)
    except imaplib.IMAP4.error as e:
        out("LOGIN NO", e)
        return 1
    except (OSError, EOFError) as e:
        out("LOGIN DROPPED", e)
        return 1
    out("LOGIN OK")
    rc = 0
    for a in actions:
        if a == "list":
            typ, data = c.list()
            out("LIST-RESULT", typ)
            for line in data or []:
                if line:
                    out("LIST", mailbox_name(line))
        elif a == "lsub":
            typ, data = c.lsub()
            out("LSUB-RESULT", typ)
            for line in data or []:
                if line:
                    out("LSUB", mailbox_name(line))
        elif a == "select":
            typ, data = c.select("INBOX")
            out("SELECT", typ, text(data[0]))
            rc |= typ != "OK"
        elif a == "quota":
            typ, data = c.getquotaroot("INBOX")
            out("QUOTAROOT-RESULT", typ)
            for group in data:
                for line in group:
                    out("QUOTA-LINE", text(line))
        elif a.startswith("examine="):
            name = a.split("=", 1)[1]
            typ, data = c.select(name, readonly=True)
            out("EXAMINE", name, typ, text(data[0]))
        elif a == "noop":
            typ, data = c.noop()
            out("NOOP", typ)
    try:
        c.logout()
    except (OSError, EOFError, imaplib.IMAP4.abort):
        pass
    return rc


def pop3(user, password):
    try:
        c = poplib.POP3(HOST, POP3_PORT, timeout=TIMEOUT)
    except OSError as e:
        out("CONNECT FAILED", e)
        return 1
    try:
        c.user(user)
        c.pass_(password)
    except poplib.error_proto as e:
        out("LOGIN ERR", text(e.args[0]) if e.args else e)
        return 1
    except (OSError, EOFError) as e:
        out("LOGIN DROPPED", e)
        return 1
    out("LOGIN OK")
    n, size = c.stat()
    out("STAT", n, size)
    c.quit()
    return 0


def raw(port, lines):
    s = socket.create_connection((HOST, int(port)), timeout=TIMEOUT)
    f = s.makefile("rb")
    out("S:", text(f.readline()).rstrip("\r\n"))
    for line in lines:
        s.sendall(line.encode() + b"\r\n")
        out("C:", line)
        answer = f.readline()
        out("S:", text(answer).rstrip("\r\n") if answer else "(connection closed)")
        if not answer:
            break
    s.close()
    return 0


def storm(user, password, n):
    n = int(n)
    barrier = threading.Barrier(n)
    results = [None] * n

    def one_imap(i):
        try:
            c = imaplib.IMAP4(HOST, IMAP_PORT, timeout=TIMEOUT)
            barrier.wait()
            c.login(user, password)
            typ, data = c.select("INBOX")
            if typ != "OK":
                raise RuntimeError("SELECT " + typ)
            c.logout()
            results[i] = "ok"
        except Exception as e:  # every failure is a result to report
            results[i] = "imap %s: %r" % (type(e).__name__, e)

    def one_pop3(i):
        try:
            c = poplib.POP3(HOST, POP3_PORT, timeout=TIMEOUT)
            barrier.wait()
            c.user(user)
            c.pass_(password)
            c.stat()
            c.quit()
            results[i] = "ok"
        except Exception as e:
            results[i] = "pop3 %s: %r" % (type(e).__name__, e)

    threads = [threading.Thread(target=one_imap if i % 2 == 0 else one_pop3, args=(i,))
               for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    good = sum(1 for r in results if r == "ok")
    out("STORM", good, "of", n, "succeeded")
    for r in results:
        if r != "ok":
            out("STORM-FAILURE", r)
    return 0 if good == n else 1


def main(argv):
    if len(argv) >= 3 and argv[0] == "imap":
        return imap(argv[1], argv[2], argv[3:])
    if len(argv) == 3 and argv[0] == "pop3":
        return pop3(argv[1], argv[2])
    if len(argv) >= 2 and argv[0] == "raw":
        return raw(argv[1], argv[2:])
    if len(argv) == 4 and argv[0] == "storm":
        return storm(argv[1], argv[2], argv[3])
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
