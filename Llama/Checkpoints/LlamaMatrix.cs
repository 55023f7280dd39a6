namespace KernelGen.Checkpoints;

/// <summary>The weight matrices every layer of a Llama-family model has.</summary>
public enum LlamaMatrix
{
    /// <summary>Wq, <c>[dim][dim]</c>.</summary>
    Query,

    /// <summary>Wk, <c>[kv_dim][dim]</c>.</summary>
    Key,

    /// <summary>Wv, <c>[kv_dim][dim]</c>.</summary>
    Value,

    /// <summary>Wo, <c>[dim][dim]</c>.</summary>
    Output,

    /// <summary>W1, the SwiGLU gate, <c>[hidden_dim][dim]</c>.</summary>
    Gate,

    /// <summary>W2, the down projection, <c>[dim][hidden_dim]</c>.</summary>
    Down,

    /// <summary>W3, the SwiGLU up projection, <c>[hidden_dim][dim]</c>.</summary>
    Up,
}
