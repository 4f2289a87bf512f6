/**
 * MediaPipe's canonical face geometry, read from
 * `geometry_pipeline_metadata_landmarks.binarypb` (GeometryPipelineMetadata in
 * mediapipe/modules/face_geometry/protos):
 *
 *   GeometryPipelineMetadata { Mesh3d canonical_mesh = 1;
 *                              repeated WeightedLandmarkRef procrustes_landmark_basis = 2;
 *                              InputSource input_source = 3; }
 *   Mesh3d { VertexType vertex_type = 1; PrimitiveType primitive_type = 2;
 *            repeated float vertex_buffer = 3; repeated uint32 index_buffer = 4; }
 *   WeightedLandmarkRef { uint32 landmark_id = 1; float weight = 2; }
 *
 * vertex_type VERTEX_PT (0) stores 5 floats per vertex: x, y, z (centimetres) and u, v.
 */
import { protoFloats, protoVarints, readProtoFields } from './tflite/protobuf.js';

export interface ProcrustesLandmark {
  landmarkId: number;
  weight: number;
}

export interface FaceGeometry {
  /** Canonical mesh positions, x,y,z per vertex (468 x 3), centimetres. */
  vertices: Float32Array;
  /** Texture coordinates, u,v per vertex. */
  uvs: Float32Array;
  /** Triangle vertex indices (3 per triangle). */
  triangles: Uint32Array;
  /** The weighted landmarks MediaPipe uses for its Procrustes (rigid pose) fit. */
  procrustes: ProcrustesLandmark[];
  /** 0 DEFAULT, 1 FACE_LANDMARK_PIPELINE, 2 FACE_DETECTION_PIPELINE. */
  inputSource: number;
}

/** The JSON form written to the cache for the native head-pose code. */
export interface FaceGeometryJson {
  units: 'cm';
  vertexCount: number;
  /** Flat x,y,z list, vertexCount x 3. */
  vertices: number[];
  procrustes: ProcrustesLandmark[];
  triangles: number[];
}

const VERTEX_PT = 0;
const VERTEX_PT_SIZE = 5;

export function parseFaceGeometry(bytes: Uint8Array): FaceGeometry {
  const top = readProtoFields(bytes);
  const meshField = top.find((f) => f.field === 1 && f.wire === 2);
  if (!meshField?.bytes) throw new Error('geometry metadata has no canonical_mesh');
  const mesh = readProtoFields(meshField.bytes);
  const vertexType = Number(protoVarints(mesh, 1)[0] ?? 0n);
  if (vertexType !== VERTEX_PT) throw new Error(`canonical mesh vertex_type ${vertexType} is not VERTEX_PT`);
  const buf = protoFloats(mesh, 3);
  if (buf.length === 0 || buf.length % VERTEX_PT_SIZE !== 0)
    throw new Error(`canonical mesh vertex_buffer has ${buf.length} floats, not a multiple of ${VERTEX_PT_SIZE}`);
  const n = buf.length / VERTEX_PT_SIZE;
  const vertices = new Float32Array(n * 3);
  const uvs = new Float32Array(n * 2);
  for (let i = 0; i < n; i++) {
    vertices.set(buf.slice(i * 5, i * 5 + 3), i * 3);
    uvs.set(buf.slice(i * 5 + 3, i * 5 + 5), i * 2);
  }
  const triangles = Uint32Array.from(protoVarints(mesh, 4).map(Number));
  const procrustes: ProcrustesLandmark[] = top
    .filter((f) => f.field === 2 && f.wire === 2 && f.bytes)
    .map((f) => {
      const sub = readProtoFields(f.bytes!);
      const id = protoVarints(sub, 1)[0];
      const w = protoFloats(sub, 2)[0];
      if (id === undefined || w === undefined) throw new Error('procrustes_landmark_basis entry without id or weight');
      return { landmarkId: Number(id), weight: w };
    });
  for (const p of procrustes)
    if (p.landmarkId >= n) throw new Error(`procrustes landmark ${p.landmarkId} outside the ${n}-vertex mesh`);
  const inputSource = Number(protoVarints(top, 3)[0] ?? 0n);
  return { vertices, uvs, triangles, procrustes, inputSource };
}

export function faceGeometryToJson(g: FaceGeometry): FaceGeometryJson {
  return {
    units: 'cm',
    vertexCount: g.vertices.length / 3,
    vertices: Array.from(g.vertices),
    procrustes: g.procrustes,
    triangles: Array.from(g.triangles),
  };
}
