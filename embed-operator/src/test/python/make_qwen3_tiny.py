"""Writes the Qwen3-shaped test fixture: src/test/resources/qwen3-tiny/model.pt, model.onnx and
model-with-positions.onnx (the same, taking position_ids as an input like Optimum's exports).

The module has no weights. last_hidden_state[B, T, 1024] is arithmetic on input_ids and
attention_mask, so the two exports are a few KB and their outputs can be recomputed exactly in
Java (Qwen3TinyFormula in the tests):

    e[b, t, h]   = sin(input_ids[b, t] * (h + 1) * 1e-5)
    mean[b, t]   = sum_{s <= t} mask[b, s] * e[b, s] / max(1, sum_{s <= t} mask[b, s])   (causal, real tokens only)
    pos[b, t]    = t - (number of padding positions before the first real token of row b)
    state[b, t]  = tanh(mean[b, t] + 0.5 * cos(pos[b, t] * (h + 1) * 1e-3))

pos counts from the row's first real token, like rotary positions computed from the attention
mask: every real token gets the same state under left and right padding, while a padding
position after the last real token does not (its pos is larger), so pooling that takes position
T-1 instead of each row's last real token gives a visibly different vector.

Run with Debian's python3 (apt-get install -y python3-torch python3-onnx):
    /usr/bin/python3 src/test/python/make_qwen3_tiny.py
"""
import os

import torch

HIDDEN = 1024  # Qwen3-Embedding-0.6B's width, so the qwen3-embedding-0.6b preset runs it as is


class Qwen3Tiny(torch.nn.Module):
    def forward(self, input_ids, attention_mask):
        steps = torch.cumsum(torch.ones(HIDDEN, dtype=torch.float32), 0)  # 1 .. HIDDEN
        mask = attention_mask.to(torch.float32).unsqueeze(-1)
        e = torch.sin(input_ids.to(torch.float32).unsqueeze(-1) * (steps * 1e-5))
        mean = torch.cumsum(e * mask, 1) / torch.clamp(torch.cumsum(mask, 1), min=1.0)
        leading_pads = (torch.cumsum(attention_mask, 1) == 0).to(torch.int64).sum(1, keepdim=True)
        pos = torch.cumsum(torch.ones_like(input_ids), 1) - 1 - leading_pads
        return torch.tanh(mean + 0.5 * torch.cos(pos.to(torch.float32).unsqueeze(-1) * (steps * 1e-3)))


class Qwen3TinyWithPositions(torch.nn.Module):
    """The same arithmetic, but positions come in as an input, as in Optimum's decoder exports."""

    def forward(self, input_ids, attention_mask, position_ids):
        steps = torch.cumsum(torch.ones(HIDDEN, dtype=torch.float32), 0)
        mask = attention_mask.to(torch.float32).unsqueeze(-1)
        e = torch.sin(input_ids.to(torch.float32).unsqueeze(-1) * (steps * 1e-5))
        mean = torch.cumsum(e * mask, 1) / torch.clamp(torch.cumsum(mask, 1), min=1.0)
        return torch.tanh(mean + 0.5 * torch.cos(position_ids.to(torch.float32).unsqueeze(-1) * (steps * 1e-3)))


def main():
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "resources", "qwen3-tiny")
    os.makedirs(out, exist_ok=True)
    model = Qwen3Tiny().eval()
    ids = torch.tensor([[151643, 151643, 9707, 151643], [785, 6722, 374, 151643]], dtype=torch.int64)
    mask = torch.tensor([[0, 0, 1, 1], [1, 1, 1, 1]], dtype=torch.int64)
    with torch.no_grad():
        traced = torch.jit.trace(model, (ids, mask))
        traced.save(os.path.join(out, "model.pt"))
        torch.onnx.export(
            model, (ids, mask), os.path.join(out, "model.onnx"),
            input_names=["input_ids", "attention_mask"], output_names=["last_hidden_state"],
            dynamic_axes={"input_ids": {0: "batch", 1: "sequence"}, "attention_mask": {0: "batch", 1: "sequence"},
                          "last_hidden_state": {0: "batch", 1: "sequence"}},
            opset_version=14)
        positions = torch.tensor([[0, 0, 0, 1], [0, 1, 2, 3]], dtype=torch.int64)
        torch.onnx.export(
            Qwen3TinyWithPositions().eval(), (ids, mask, positions), os.path.join(out, "model-with-positions.onnx"),
            input_names=["input_ids", "attention_mask", "position_ids"], output_names=["last_hidden_state"],
            dynamic_axes={name: {0: "batch", 1: "sequence"} for name in
                          ("input_ids", "attention_mask", "position_ids", "last_hidden_state")},
            opset_version=14)
        # The trace must not have frozen the example's shape.
        longer = torch.randint(0, 151643, (3, 7))
        ones = torch.ones_like(longer)
        assert torch.allclose(traced(longer, ones), model(longer, ones))
    for name in ("model.pt", "model.onnx", "model-with-positions.onnx"):
        print(name, os.path.getsize(os.path.join(out, name)), "bytes")


if __name__ == "__main__":
    main()
