"""The MiniLM encoder (a BERT) written as an ONNX graph straight from its safetensors weights.

Exporting through torch costs seconds of imports and tracing on every fresh machine; the
graph of a BERT encoder is small and fixed, so it is written here op by op from the
weights file (numpy and onnx only): embeddings, then per layer self-attention and the
feed-forward block, each with its residual and LayerNorm, as ``transformers``' BertModel
computes them (eager attention, exact GELU). The test suite checks the result against
sentence-transformers.
"""

from __future__ import annotations

import json
import math
import struct
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OPSET = 17  # LayerNormalization
_DTYPES = {"F32": np.float32, "F16": np.float16, "I64": np.int64}


def read_safetensors(path: Path) -> dict[str, np.ndarray]:
    """Every tensor of a .safetensors file (8-byte header length, JSON header, raw data)."""
    data = Path(path).read_bytes()
    (size,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + size])
    tensors = {}
    for name, spec in header.items():
        if name == "__metadata__":
            continue
        start, end = spec["data_offsets"]
        raw = data[8 + size + start : 8 + size + end]
        tensors[name] = np.frombuffer(raw, dtype=_DTYPES[spec["dtype"]]).reshape(spec["shape"])
    return tensors


def bert_graph(weights: dict[str, np.ndarray], config: dict) -> onnx.ModelProto:
    """A BertModel as ONNX: inputs input_ids, attention_mask, token_type_ids [batch, sequence]
    (int64); output last_hidden_state [batch, sequence, hidden] (float32)."""
    hidden = int(config["hidden_size"])
    heads = int(config["num_attention_heads"])
    eps = float(config["layer_norm_eps"])
    head = hidden // heads
    nodes: list[onnx.NodeProto] = []
    inits: list[onnx.TensorProto] = []

    def const(name: str, value: np.ndarray) -> str:
        inits.append(numpy_helper.from_array(np.ascontiguousarray(value), name))
        return name

    def op(kind: str, inputs: list[str], out: str, **attrs: object) -> str:
        nodes.append(helper.make_node(kind, inputs, [out], name=out, **attrs))
        return out

    def linear(x: str, prefix: str, out: str) -> str:
        w = const(f"{prefix}.weight.T", weights[f"{prefix}.weight"].T.astype(np.float32))
        b = const(f"{prefix}.bias", weights[f"{prefix}.bias"].astype(np.float32))
        return op("Add", [op("MatMul", [x, w], f"{out}.mm"), b], out)

    def layer_norm(x: str, prefix: str, out: str) -> str:
        w = const(f"{prefix}.weight", weights[f"{prefix}.weight"])
        b = const(f"{prefix}.bias", weights[f"{prefix}.bias"])
        return op("LayerNormalization", [x, w, b], out, axis=-1, epsilon=eps)

    # Embeddings: word + position + token type, then LayerNorm.
    words = op("Gather", [const("word_embeddings", weights["embeddings.word_embeddings.weight"]), "input_ids"], "emb.words")  # fmt: skip
    length = op("Shape", ["input_ids"], "emb.length", start=1, end=2)  # [sequence]
    table = const("position_embeddings", weights["embeddings.position_embeddings.weight"])
    start, axis = const("zero", np.array([0], np.int64)), const("axis0", np.array([0], np.int64))
    pos = op("Slice", [table, start, length, axis], "emb.pos")  # rows 0..sequence-1
    types = op("Gather", [const("token_type_embeddings", weights["embeddings.token_type_embeddings.weight"]), "token_type_ids"], "emb.types")  # fmt: skip
    x = op("Add", [op("Add", [words, pos], "emb.wp"), types], "emb.sum")
    x = layer_norm(x, "embeddings.LayerNorm", "emb.out")

    # Padding: add the lowest float32 to the scores of padded positions, as transformers does.
    mask = op("Cast", ["attention_mask"], "mask.float", to=TensorProto.FLOAT)
    mask = op("Unsqueeze", [mask, const("mask.axes", np.array([1, 2], np.int64))], "mask.4d")
    mask = op("Sub", [const("one.f", np.array(1.0, np.float32)), mask], "mask.inverted")
    mask = op("Mul", [mask, const("lowest", np.array(np.finfo(np.float32).min, np.float32))], "mask.add")  # fmt: skip
    split = const("split.shape", np.array([0, 0, heads, head], np.int64))
    merged = const("merged.shape", np.array([0, 0, hidden], np.int64))
    scale = const("scale", np.array(1 / math.sqrt(head), np.float32))
    root2 = const("sqrt2", np.array(math.sqrt(2.0), np.float32))
    half = const("half", np.array(0.5, np.float32))

    def heads(x: str, prefix: str, tag: str, perm: list[int]) -> str:
        """A projection split into heads: [batch, heads, sequence, head] (or its transpose)."""
        projected = op("Reshape", [linear(x, prefix, tag), split], f"{tag}.split")
        return op("Transpose", [projected], f"{tag}.heads", perm=perm)

    for i in range(int(config["num_hidden_layers"])):
        p, a = f"encoder.layer.{i}", f"l{i}"
        q = heads(x, f"{p}.attention.self.query", f"{a}.q", [0, 2, 1, 3])
        k = heads(x, f"{p}.attention.self.key", f"{a}.k", [0, 2, 3, 1])
        v = heads(x, f"{p}.attention.self.value", f"{a}.v", [0, 2, 1, 3])
        scores = op("Mul", [op("MatMul", [q, k], f"{a}.qk"), scale], f"{a}.scores")
        probs = op("Softmax", [op("Add", [scores, mask], f"{a}.masked")], f"{a}.probs", axis=-1)
        context = op("Transpose", [op("MatMul", [probs, v], f"{a}.ctx")], f"{a}.ctx.t", perm=[0, 2, 1, 3])  # fmt: skip
        context = op("Reshape", [context, merged], f"{a}.ctx.merged")
        attended = linear(context, f"{p}.attention.output.dense", f"{a}.attn")
        x1 = layer_norm(op("Add", [attended, x], f"{a}.res1"), f"{p}.attention.output.LayerNorm", f"{a}.ln1")  # fmt: skip
        inner = linear(x1, f"{p}.intermediate.dense", f"{a}.inner")
        erf = op("Erf", [op("Div", [inner, root2], f"{a}.inner.scaled")], f"{a}.erf")
        gelu = op("Mul", [op("Mul", [inner, half], f"{a}.inner.half"), op("Add", [erf, "one.f"], f"{a}.erf1")], f"{a}.gelu")  # fmt: skip
        out = linear(gelu, f"{p}.output.dense", f"{a}.out")
        x = layer_norm(op("Add", [out, x1], f"{a}.res2"), f"{p}.output.LayerNorm", f"{a}.ln2")

    nodes.append(helper.make_node("Identity", [x], ["last_hidden_state"], name="output"))
    ints = [helper.make_tensor_value_info(n, TensorProto.INT64, ["batch", "sequence"])
            for n in ("input_ids", "attention_mask", "token_type_ids")]  # fmt: skip
    output = helper.make_tensor_value_info(
        "last_hidden_state", TensorProto.FLOAT, ["batch", "sequence", hidden]
    )
    graph = helper.make_graph(nodes, "bert", ints, [output], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model


def write_bert_onnx(source: Path, dest: Path) -> None:
    """``source``'s model.safetensors and config.json as an ONNX file at ``dest``."""
    config = json.loads((Path(source) / "config.json").read_text())
    model = bert_graph(read_safetensors(Path(source) / "model.safetensors"), config)
    onnx.save(model, str(dest))
