using System.Collections.Generic;

namespace KernelGen.Checkpoints;

/// <summary>The parameter tensors of a Llama-family model of a given shape, in llama2.c payload order, named for every format.</summary>
internal static class LlamaTensors
{
    /// <summary>Every parameter tensor (the legacy RoPE tables are not parameters and are left out).</summary>
    public static List<LlamaTensor> For(ModelShape shape, bool sharedClassifier)
    {
        var layout = LlamaWeights.Layout(shape, sharedClassifier);
        int dim = shape.Dim, kvDim = shape.KvDim, hidden = shape.HiddenDim, vocab = shape.Vocab;
        var tensors = new List<LlamaTensor>
        {
            new("token_embedding_table", "token_embd.weight", "model.embed_tokens.weight", layout[0].Offset, false, vocab, dim, 0),
            new("rms_att_weight", "blk.{0}.attn_norm.weight", "model.layers.{0}.input_layernorm.weight", layout[1].Offset, true, 1, dim, 0),
            new("wq", "blk.{0}.attn_q.weight", "model.layers.{0}.self_attn.q_proj.weight", layout[2].Offset, true, dim, dim, shape.Heads),
            new("wk", "blk.{0}.attn_k.weight", "model.layers.{0}.self_attn.k_proj.weight", layout[3].Offset, true, kvDim, dim, shape.KvHeads),
            new("wv", "blk.{0}.attn_v.weight", "model.layers.{0}.self_attn.v_proj.weight", layout[4].Offset, true, kvDim, dim, 0),
            new("wo", "blk.{0}.attn_output.weight", "model.layers.{0}.self_attn.o_proj.weight", layout[5].Offset, true, dim, dim, 0),
            new("rms_ffn_weight", "blk.{0}.ffn_norm.weight", "model.layers.{0}.post_attention_layernorm.weight", layout[6].Offset, true, 1, dim, 0),
            new("w1", "blk.{0}.ffn_gate.weight", "model.layers.{0}.mlp.gate_proj.weight", layout[7].Offset, true, hidden, dim, 0),
            new("w2", "blk.{0}.ffn_down.weight", "model.layers.{0}.mlp.down_proj.weight", layout[8].Offset, true, dim, hidden, 0),
            new("w3", "blk.{0}.ffn_up.weight", "model.layers.{0}.mlp.up_proj.weight", layout[9].Offset, true, hidden, dim, 0),
            new("rms_final_weight", "output_norm.weight", "model.norm.weight", layout[10].Offset, false, 1, dim, 0),
        };
        if (!sharedClassifier)
        {
            tensors.Add(new("wcls", "output.weight", "lm_head.weight", layout[13].Offset, false, vocab, dim, 0));
        }

        return tensors;
    }
}
