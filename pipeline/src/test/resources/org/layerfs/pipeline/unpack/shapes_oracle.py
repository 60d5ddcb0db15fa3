#!/usr/bin/env python3
"""Test oracle helpers that must see names and xattr values as bytes (Java cannot when the
name is not UTF-8). Output is JSON on stdout; bytes that are not UTF-8 are written as \\xNN.

  shapes_oracle.py tree DIR OWNERS SINCE  a tree manifest of DIR (see TreeManifest); uid:gid when
                                         OWNERS is "owners"; a time at or after SINCE (epoch
                                         seconds) is written "@extracted": the extractor's clock
  shapes_oracle.py list BLOB MEDIATYPE   the entries of a layer as Python's tarfile reads them
"""
import base64, gzip, hashlib, io, json, os, re, stat, subprocess, sys, tarfile


def text(b):
    """Bytes as readable text: UTF-8 where valid, \\xNN for every other byte (lossless)."""
    return b.decode('utf-8', 'backslashreplace')


def tree(root, owners, since):
    root = os.fsencode(root)
    nodes, inodes = {}, {}
    for d, dirs, files in os.walk(root):
        dirs.sort()
        for name in [None] + sorted(dirs + files) if d == root else sorted(dirs + files):
            p = d if name is None else os.path.join(d, name)
            rel = '.' if p == root else text(os.path.relpath(p, root))
            st = os.lstat(p)
            kind = {stat.S_IFREG: 'file', stat.S_IFDIR: 'dir', stat.S_IFLNK: 'symlink', stat.S_IFIFO: 'fifo',
                    stat.S_IFCHR: 'char', stat.S_IFBLK: 'block'}.get(stat.S_IFMT(st.st_mode), 'unknown')
            n = [kind, '%04o' % stat.S_IMODE(st.st_mode)] + (['%d:%d' % (st.st_uid, st.st_gid)] if owners else [])
            if kind in ('char', 'block'):
                n.append('%d,%d' % (os.major(st.st_rdev), os.minor(st.st_rdev)))
            if kind == 'file':
                with open(p, 'rb') as f:
                    n += [str(st.st_size), hashlib.sha256(f.read()).hexdigest()]
                if st.st_nlink > 1:
                    inodes.setdefault(st.st_ino, []).append(rel)
            if kind == 'symlink':
                n.append('-> ' + text(os.readlink(p)))
            if rel != '.':               # the root's time is the extractor's, not the image's
                t = st.st_mtime_ns // 10**9
                n.append('@extracted' if t >= since else '@%d' % t)
            if kind in ('file', 'dir'):
                for x in sorted(os.listxattr(p, follow_symlinks=False)):
                    n.append('%s=%s' % (x, text(os.getxattr(p, x, follow_symlinks=False))))
            nodes[rel] = ' '.join(n)
    groups = sorted(' = '.join(sorted(g)) for g in inodes.values() if len(g) > 1)
    json.dump({'nodes': nodes, 'hardlinkGroups': groups}, sys.stdout)


def gnu_xattr_name(keyword):
    """The xattr name GNU tar extracts from a SCHILY.xattr keyword: it writes "=" and "%" as %3D
    and %25 and turns exactly those back, in one pass (tarfile keeps the keyword as it is)."""
    return re.sub('%(3D|25)', lambda m: '=' if m.group(1) == '3D' else '%', keyword)


def tar_bytes(blob, media_type):
    if media_type.endswith('+zstd'):
        return subprocess.run(['zstd', '-dc', blob], check=True, stdout=subprocess.PIPE).stdout
    with open(blob, 'rb') as f:
        raw = f.read()
    return gzip.decompress(raw) if media_type.endswith('+gzip') else raw


def b64(name):
    """A name or value tarfile decoded with surrogateescape, as base64 of its bytes."""
    return base64.b64encode(name.encode('utf-8', 'surrogateescape')).decode()


def normalise(name):
    parts = [p for p in name.split(b'/') if p not in (b'', b'.')]
    return b'/'.join(parts)


def listing(blob, media_type):
    out, content = [], {}
    with tarfile.open(fileobj=io.BytesIO(tar_bytes(blob, media_type)), mode='r:',
                      encoding='utf-8', errors='surrogateescape') as tf:
        for m in tf:
            path = normalise(os.fsencode(m.name))
            if not path and not m.isdir():
                continue  # the root's own entry ("./") is catalogued as "" when it is a directory
            e = {'path': base64.b64encode(path).decode(), 'uid': m.uid, 'gid': m.gid,
                 'mtime': int(m.mtime // 1), 'mode': '%04o' % m.mode,
                 'user': b64(m.uname), 'group': b64(m.gname),
                 'xattrs': sorted([b64(gnu_xattr_name(k[len('SCHILY.xattr.'):])), b64(v)]
                                  for k, v in m.pax_headers.items() if k.startswith('SCHILY.xattr.'))}
            if m.isreg():
                data = tf.extractfile(m).read()
                content[path] = (len(data), hashlib.sha256(data).hexdigest())
                e.update(type='file', size=len(data), sha256=content[path][1])
            elif m.islnk():
                target = normalise(os.fsencode(m.linkname))
                e.update(type='hardlink', linkTarget=base64.b64encode(target).decode())
                if target in content:
                    e.update(size=content[target][0], sha256=content[target][1])
                    content[path] = content[target]
            else:
                e['type'] = {tarfile.DIRTYPE: 'dir', tarfile.SYMTYPE: 'symlink', tarfile.FIFOTYPE: 'fifo',
                             tarfile.CHRTYPE: 'char', tarfile.BLKTYPE: 'block'}.get(m.type, 'other')
                if m.issym():
                    e['linkTarget'] = base64.b64encode(os.fsencode(m.linkname)).decode()
            out.append(e)
    json.dump(out, sys.stdout)


if __name__ == '__main__':
    {'tree': lambda: tree(sys.argv[2], sys.argv[3] == 'owners', int(sys.argv[4])), 'list': lambda: listing(sys.argv[2], sys.argv[3])}[sys.argv[1]]()
