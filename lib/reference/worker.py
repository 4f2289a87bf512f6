#!/usr/bin/env python3
"""
theval's reference-model worker: runs pyiqa's TOPIQ-IAA / MUSIQ / TOPIQ-NR-face and
FaceXFormer head pose (on RetinaFace boxes) in the user's own Python, for theval's Node
process, which starts one worker per device and feeds it decoded frames.

Protocol (stdin -> requests, stdout -> replies), one message =
  u32 LE header length, u32 LE payload length, UTF-8 JSON header, raw payload bytes.
Pixels travel as packed uint8 RGB (H x W x 3 per image, images one after another); they
become float32 [0, 1] NCHW tensors here, as the reference feeds pyiqa. The worker first
sends {"op": "ready", ...provenance} or {"op": "error", "kind", "message"} and exits.

Everything this file or the libraries it loads print goes to stderr: the protocol owns the
real stdout (pyiqa and retina-face print progress messages while loading).
"""
import hashlib
import json
import os
import struct
import sys
import traceback

PROTOCOL = 1
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


class SetupError(Exception):
    def __init__(self, kind, message):
        super().__init__(message)
        self.kind = kind


class Channel:
    def __init__(self):
        self.out = os.fdopen(os.dup(1), 'wb', buffering=0)
        os.dup2(2, 1)
        sys.stdout = sys.stderr
        self.inp = os.fdopen(os.dup(0), 'rb', buffering=0)
        self.buf = bytearray(0)
        # Frames are megabytes: a 1 MiB pipe (Linux default 64 KiB) means fewer wake-ups per frame.
        try:
            import fcntl
            for fd in (self.inp.fileno(), self.out.fileno()):
                fcntl.fcntl(fd, getattr(fcntl, 'F_SETPIPE_SZ', 1031), 1 << 20)
        except Exception:
            pass

    def _read_into(self, view):
        got, n = 0, len(view)
        while got < n:
            k = self.inp.readinto(view[got:])
            if not k:
                return False
            got += k
        return True

    def recv(self):
        """(header, payload view) or None at EOF. The payload lives in one reused buffer:
        valid until the next recv (requests are handled one at a time), so a batch of frames
        costs no fresh allocation."""
        head = bytearray(8)
        if not self._read_into(memoryview(head)):
            return None
        hlen, plen = struct.unpack('<II', head)
        hbuf = bytearray(hlen)
        if not self._read_into(memoryview(hbuf)):
            return None
        if len(self.buf) < plen:
            self.buf = bytearray(plen)
        payload = memoryview(self.buf)[:plen]
        if not self._read_into(payload):
            return None
        return json.loads(bytes(hbuf).decode('utf-8')), payload

    def send(self, header, payload=b''):
        h = json.dumps(header, allow_nan=False).encode('utf-8')
        self.out.write(struct.pack('<II', len(h), len(payload)) + h)
        if payload:
            self.out.write(payload)


def sha256_of(path):
    h = hashlib.sha256()
    with open(path, 'rb') as f:
        for block in iter(lambda: f.read(1 << 20), b''):
            h.update(block)
    return h.hexdigest()


class LoadRecorder:
    """Records every weight file loaded (torch.load, safetensors) while a model is built."""

    def __init__(self, torch):
        self.torch = torch
        self.paths = []

    def _note(self, f):
        p = f if isinstance(f, (str, bytes, os.PathLike)) else getattr(f, 'name', None)
        if isinstance(p, (str, os.PathLike)) and os.path.isfile(p):
            p = os.path.abspath(os.fspath(p))
            if p not in self.paths:
                self.paths.append(p)

    def __enter__(self):
        self.orig_load = self.torch.load
        recorder = self

        def load(f, *a, **k):
            recorder._note(f)
            return recorder.orig_load(f, *a, **k)

        self.torch.load = load
        self.st = None
        try:
            import safetensors.torch as st
            self.st, self.orig_st = st, st.load_file

            def load_file(f, *a, **k):
                recorder._note(f)
                return recorder.orig_st(f, *a, **k)

            st.load_file = load_file
        except Exception:
            pass
        return self

    def __exit__(self, *exc):
        self.torch.load = self.orig_load
        if self.st is not None:
            self.st.load_file = self.orig_st
        return False

    def files(self):
        return [{'file': os.path.basename(p), 'path': p, 'bytes': os.path.getsize(p), 'sha256': sha256_of(p)} for p in self.paths]


def parse_args(argv):
    import argparse
    ap = argparse.ArgumentParser(prog='theval reference worker')
    ap.add_argument('--device', default='cpu')
    ap.add_argument('--quality', default='', help='comma-separated pyiqa metric names')
    ap.add_argument('--facexformer-checkpoint', default=None)
    return ap.parse_args(argv)


def weights_hint(name):
    return (f"If its weights are not downloaded yet, run once with network access: "
            f"{sys.executable} -c \"import pyiqa; pyiqa.create_metric('{name}')\" "
            f"(pyiqa keeps them under $TORCH_HOME/hub/pyiqa, by default ~/.cache/torch/hub/pyiqa), "
            f"or copy that folder from a machine that has them.")


class Worker:
    def __init__(self, args):
        self.args = args
        try:
            import numpy as np
        except ImportError as e:
            raise SetupError('no_numpy', f'{sys.executable} cannot import numpy ({e}): install numpy (and PyTorch, pyiqa) into it, or pass --python PATH')
        self.np = np
        try:
            import torch
        except ImportError as e:
            raise SetupError('no_torch', f'{sys.executable} cannot import torch ({e}): install PyTorch into that Python (https://pytorch.org/get-started/), or pass --python PATH of a Python that has it')
        self.torch = torch
        dev = args.device
        if dev.startswith('cuda') and not torch.cuda.is_available():
            raise SetupError('no_cuda', f'--device {dev}: torch {torch.__version__} in {sys.executable} sees no CUDA device (a CPU-only build, or no driver); use --device cpu or a CUDA build of PyTorch')
        self.device = torch.device(dev)
        self.provenance = {
            'op': 'ready', 'protocol': PROTOCOL, 'python': sys.version.split()[0], 'executable': sys.executable,
            'numpy': np.__version__, 'torch': str(torch.__version__), 'device': dev, 'metrics': {}, 'pose': None,
        }
        self.metrics = {}
        names = [n for n in args.quality.split(',') if n]
        if names:
            self._load_pyiqa(names)
        if args.facexformer_checkpoint:
            self._load_pose(args.facexformer_checkpoint)

    def _load_pyiqa(self, names):
        try:
            import pyiqa
        except ImportError as e:
            raise SetupError('no_pyiqa', f'{sys.executable} cannot import pyiqa ({e}): pip install pyiqa==0.1.13 (the version the THEval reference pins), or pass --python PATH of a Python that has it')
        self.provenance['pyiqa'] = str(getattr(pyiqa, '__version__', 'unknown'))
        for name in names:
            with LoadRecorder(self.torch) as rec:
                try:
                    m = pyiqa.create_metric(name, device=self.device, as_loss=False)
                except Exception as e:
                    raise SetupError('model_load', f"pyiqa {self.provenance['pyiqa']} could not create '{name}' on {self.args.device}: {type(e).__name__}: {e}. {weights_hint(name)}")
            if hasattr(m, 'eval'):
                m.eval()
            self.metrics[name] = m
            self.provenance['metrics'][name] = {'lowerBetter': bool(getattr(m, 'lower_better', False)), 'weights': rec.files()}

    def _load_pose(self, ckpt):
        torch = self.torch
        if not os.path.isfile(ckpt):
            raise SetupError('no_checkpoint', f'FaceXFormer checkpoint {ckpt} does not exist (the reference uses ckpts/model.pt of the FaceXFormer repository, github.com/Kartik-3004/facexformer)')
        try:
            from PIL import Image
        except ImportError as e:
            raise SetupError('no_pillow', f'{sys.executable} cannot import PIL ({e}): pip install pillow (FaceXFormer pre-processing resizes with PIL bicubic, as torchvision does)')
        try:
            from retinaface import RetinaFace
        except ImportError as e:
            raise SetupError('no_retinaface', f'{sys.executable} cannot import retinaface ({e}): pip install retina-face==0.0.17 (the version the reference pins)')
        try:
            from network import FaceXFormer
        except ImportError:
            repo = os.path.dirname(os.path.dirname(os.path.abspath(ckpt)))
            sys.path.insert(0, repo)
            try:
                from network import FaceXFormer
            except ImportError as e:
                raise SetupError('no_facexformer', f"cannot import FaceXFormer ('from network import FaceXFormer': {e}): put the FaceXFormer repository (github.com/Kartik-3004/facexformer) on PYTHONPATH, or keep the checkpoint at <repository>/ckpts/model.pt (tried {repo})")
        with LoadRecorder(torch) as rec:
            try:
                model = FaceXFormer().to(self.device)
                state = torch.load(ckpt, map_location=self.device)
                model.load_state_dict(state['state_dict_backbone'])
                model.eval()
            except Exception as e:
                raise SetupError('model_load', f'FaceXFormer could not load {ckpt}: {type(e).__name__}: {e}')
        try:
            if hasattr(RetinaFace, 'build_model'):
                RetinaFace.build_model()
        except Exception as e:
            raise SetupError('model_load', f'RetinaFace could not load its weights ({type(e).__name__}: {e}); retina-face downloads retinaface.h5 to ~/.deepface/weights on first use: run once with network access or copy that file there')
        rf_weights = os.path.join(os.getenv('DEEPFACE_HOME', os.path.expanduser('~')), '.deepface', 'weights', 'retinaface.h5')
        import retinaface as rf_pkg
        self.Image, self.RetinaFace, self.pose_model = Image, RetinaFace, model
        self.provenance['pose'] = {
            'facexformer': {'checkpoint': os.path.abspath(ckpt), 'weights': rec.files()},
            'retinaface': {
                'version': str(getattr(rf_pkg, '__version__', 'unknown')),
                'weights': [{'file': 'retinaface.h5', 'path': rf_weights, 'bytes': os.path.getsize(rf_weights), 'sha256': sha256_of(rf_weights)}] if os.path.isfile(rf_weights) else [],
            },
            'crop': 'RetinaFace facial_area (first face), PIL bicubic to 224x224, ImageNet normalisation',
        }

    # -- pixels -> tensors ---------------------------------------------------------------

    def images(self, payload, count, height, width):
        np = self.np
        need = count * height * width * 3
        if len(payload) != need:
            raise ValueError(f'payload holds {len(payload)} bytes; {count} images of {width}x{height}x3 need {need}')
        return np.frombuffer(payload, dtype=np.uint8).reshape(count, height, width, 3)

    def tensor(self, rgb):
        """uint8 N x H x W x 3 -> float32 [0, 1] N x 3 x H x W on the device (ToTensor's x / 255)."""
        np = self.np
        x = np.ascontiguousarray(rgb.transpose(0, 3, 1, 2)).astype(np.float32) / np.float32(255)
        return self.torch.from_numpy(x).to(self.device)

    def scores(self, out, n, name):
        np = self.np
        if hasattr(out, 'detach'):
            out = out.detach().cpu().numpy()
        s = np.asarray(out, dtype=np.float64).reshape(-1)
        if s.size != n:
            raise ValueError(f'{name} returned {s.size} scores for {n} images')
        return s

    def run_metric(self, name, rgb):
        with self.torch.no_grad():
            return self.scores(self.metrics[name](self.tensor(rgb)), rgb.shape[0], name)

    # -- requests ------------------------------------------------------------------------

    def handle(self, h, payload):
        op = h.get('op')
        if op == 'frames':
            return self.op_frames(h, payload)
        if op == 'crops':
            return self.op_crops(h, payload)
        if op == 'pose':
            return self.op_pose(h, payload)
        if op == 'echo':  # transport only (bench/reference.ts)
            return {'ok': True, 'bytes': len(payload)}
        raise ValueError(f'unknown op {op!r}')

    def op_frames(self, h, payload):
        """Whole frames: batch metrics score the batch at once; 'single' ones one frame at a time."""
        frames = self.images(payload, h['count'], h['height'], h['width'])
        out, errors = {}, {}
        for name in h.get('batch', []):
            out[name] = finite_list(self.run_metric(name, frames))
        for name in h.get('single', []):
            vals, errs = [], []
            for i in range(frames.shape[0]):
                try:
                    vals.append(float(self.run_metric(name, frames[i:i + 1])[0]))
                except Exception as e:
                    vals.append(float('nan'))
                    errs.append({'index': i, 'message': f'{type(e).__name__}: {e}'})
            out[name] = finite_list(vals)
            if errs:
                errors[name] = errs
        return {'ok': True, 'scores': out, 'errors': errors}

    def op_crops(self, h, payload):
        """Crops of different sizes: each alone, or (pad) one batch padded with black to the largest."""
        np = self.np
        sizes = h['sizes']
        name = h['metric']
        crops, off = [], 0
        for w, hh in sizes:
            n = w * hh * 3
            crops.append(self.images(payload[off:off + n], 1, hh, w)[0])
            off += n
        if off != len(payload):
            raise ValueError(f'crop payload holds {len(payload)} bytes, sizes need {off}')
        if not crops:
            return {'ok': True, 'scores': []}
        if h.get('pad'):
            H = max(c.shape[0] for c in crops)
            W = max(c.shape[1] for c in crops)
            batch = np.zeros((len(crops), H, W, 3), dtype=np.uint8)
            for i, c in enumerate(crops):
                batch[i, :c.shape[0], :c.shape[1]] = c
            s = self.run_metric(name, batch)
        else:
            s = [float(self.run_metric(name, c[None])[0]) for c in crops]
        return {'ok': True, 'scores': finite_list(s)}

    def op_pose(self, h, payload):
        np, torch = self.np, self.torch
        frames = self.images(payload, h['count'], h['height'], h['width'])
        poses, boxes = [], []
        mean = np.array(IMAGENET_MEAN, np.float32)
        std = np.array(IMAGENET_STD, np.float32)
        labels = {'segmentation': (224, 224), 'lnm_seg': (5, 2), 'landmark': (68, 2), 'headpose': (3,),
                  'attribute': (40,), 'a_g_e': (3,), 'visibility': (29,)}
        for rgb in frames:
            # retina-face expects what cv2.imread gives: BGR.
            faces = self.RetinaFace.detect_faces(np.ascontiguousarray(rgb[:, :, ::-1]))
            if not isinstance(faces, dict) or not faces:
                poses.append(None)
                boxes.append(None)
                continue
            face = faces['face_1'] if 'face_1' in faces else next(iter(faces.values()))
            x0, y0, x1, y1 = [int(v) for v in face['facial_area']]
            crop = self.Image.fromarray(rgb).crop((x0, y0, x1, y1)).resize((224, 224), self.Image.BICUBIC)
            x = (np.asarray(crop, dtype=np.float32) / np.float32(255) - mean) / std
            t = torch.from_numpy(np.ascontiguousarray(x.transpose(2, 0, 1)[None])).to(self.device)
            lab = {k: torch.zeros(v).unsqueeze(0).to(self.device) for k, v in labels.items()}
            task = torch.tensor([2]).to(self.device)
            with torch.no_grad():
                out = self.pose_model(t, lab, task)
            hp = out[1]
            hp = hp.detach().cpu().numpy() if hasattr(hp, 'detach') else np.asarray(hp)
            p = np.asarray(hp, dtype=np.float64).reshape(-1)[:3] * 180.0 / np.pi
            poses.append(finite_list(p))
            boxes.append([x0, y0, x1, y1])
        return {'ok': True, 'pose': poses, 'box': boxes}


def finite_list(a):
    """JSON has no NaN: non-finite -> null."""
    out = []
    for v in a:
        v = float(v)
        out.append(v if v == v and v not in (float('inf'), float('-inf')) else None)
    return out


def main():
    ch = Channel()
    args = parse_args(sys.argv[1:])
    try:
        worker = Worker(args)
    except SetupError as e:
        ch.send({'op': 'error', 'kind': e.kind, 'message': str(e)})
        return 3
    except Exception as e:
        ch.send({'op': 'error', 'kind': 'unexpected', 'message': f'{type(e).__name__}: {e}\n{traceback.format_exc(limit=8)}'})
        return 3
    ch.send(worker.provenance)
    while True:
        msg = ch.recv()
        if msg is None:
            return 0
        header, payload = msg
        if header.get('op') == 'quit':
            return 0
        try:
            reply = worker.handle(header, payload)
        except Exception as e:
            reply = {'ok': False, 'error': f'{type(e).__name__}: {e}', 'trace': traceback.format_exc(limit=6)}
        reply['id'] = header.get('id')
        ch.send(reply)


if __name__ == '__main__':
    sys.exit(main())
