using Google.Protobuf;
using Onnx;

namespace KernelGen.Bench.Peers;

/// <summary>
/// One-node ONNX models, built in code, that run ONNX Runtime's own attention kernel: the
/// <c>com.microsoft</c> contrib operator <c>GroupQueryAttention</c>, which serves MHA, GQA and MQA
/// with a KV cache (onnxruntime docs/ContribOperators.md).
/// </summary>
/// <remarks>
/// <para>Inputs, batch 1: <c>query [1, S, Heads·HeadDim]</c>, <c>key</c> and <c>value
/// [1, S, KvHeads·HeadDim]</c> — the same rows as our <c>[token][heads][head_dim]</c> — optionally
/// <c>past_key</c> and <c>past_value [1, KvHeads, P, HeadDim]</c> (BNSH, the layout of our
/// <see cref="Caching.KvCache"/> per layer), <c>seqlens_k [1]</c> = total length − 1 and the
/// scalar <c>total_sequence_length</c>, both int32. No rotary embedding (<c>do_rotary</c> = 0),
/// the default scale 1/√head_dim, causal.</para>
/// <para>Outputs: <c>output [1, S, Heads·HeadDim]</c>, <c>present_key</c> and
/// <c>present_value [1, KvHeads, T, HeadDim]</c>. When <c>present_*</c> is bound to the same
/// buffer as <c>past_*</c>, the CPU kernel appends the new keys in place instead of copying the
/// cache (it compares the two pointers), which is how a decoder keeps a preallocated cache.</para>
/// <para>Sequence lengths are symbolic, so one model serves every length.</para>
/// </remarks>
public static class OnnxAttentionGraph
{
    /// <summary>The opset of the contrib domain that defines <c>GroupQueryAttention</c>.</summary>
    private const long ContribOpset = 1;

    /// <summary>ONNX opset 21 and IR version 10 (ONNX 1.16): well inside what ORT 1.31 reads.</summary>
    private const long DefaultOpset = 21;

    private const long IrVersion = 10;

    /// <summary>
    /// The serialized model. With <paramref name="withPast"/> it reads a KV cache (decode: one
    /// new token after the cached ones); without, it attends only the block itself (prefill of
    /// a whole prompt, causal).
    /// </summary>
    public static byte[] GroupQueryAttention(int heads, int kvHeads, int headDim, bool withPast)
    {
        var node = new NodeProto { Name = "attention", OpType = "GroupQueryAttention", Domain = "com.microsoft" };
        // Optional inputs that are left out are named "" so the positions of the rest hold.
        node.Input.Add(new[]
        {
            "query", "key", "value",
            withPast ? "past_key" : string.Empty,
            withPast ? "past_value" : string.Empty,
            "seqlens_k", "total_sequence_length",
        });
        node.Output.Add(new[] { "output", "present_key", "present_value" });
        node.Attribute.Add(IntAttribute("num_heads", heads));
        node.Attribute.Add(IntAttribute("kv_num_heads", kvHeads));
        node.Attribute.Add(IntAttribute("do_rotary", 0));

        var graph = new GraphProto { Name = $"gqa_{heads}x{kvHeads}x{headDim}" };
        graph.Node.Add(node);
        graph.Input.Add(FloatTensor("query", Fixed(1), Symbolic("sequence"), Fixed(heads * headDim)));
        graph.Input.Add(FloatTensor("key", Fixed(1), Symbolic("sequence"), Fixed(kvHeads * headDim)));
        graph.Input.Add(FloatTensor("value", Fixed(1), Symbolic("sequence"), Fixed(kvHeads * headDim)));
        if (withPast)
        {
            graph.Input.Add(FloatTensor("past_key", Fixed(1), Fixed(kvHeads), Symbolic("past"), Fixed(headDim)));
            graph.Input.Add(FloatTensor("past_value", Fixed(1), Fixed(kvHeads), Symbolic("past"), Fixed(headDim)));
        }

        graph.Input.Add(Tensor("seqlens_k", TensorProto.Types.DataType.Int32, Fixed(1)));
        graph.Input.Add(Tensor("total_sequence_length", TensorProto.Types.DataType.Int32));
        graph.Output.Add(FloatTensor("output", Fixed(1), Symbolic("sequence"), Fixed(heads * headDim)));
        graph.Output.Add(FloatTensor("present_key", Fixed(1), Fixed(kvHeads), Symbolic("present"), Fixed(headDim)));
        graph.Output.Add(FloatTensor("present_value", Fixed(1), Fixed(kvHeads), Symbolic("present"), Fixed(headDim)));

        var model = new ModelProto { IrVersion = IrVersion, ProducerName = "KernelGen.Bench", Graph = graph };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = string.Empty, Version = DefaultOpset });
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "com.microsoft", Version = ContribOpset });
        return model.ToByteArray();
    }

    private static AttributeProto IntAttribute(string name, long value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    private static ValueInfoProto FloatTensor(string name, params TensorShapeProto.Types.Dimension[] dimensions) =>
        Tensor(name, TensorProto.Types.DataType.Float, dimensions);

    private static ValueInfoProto Tensor(string name, TensorProto.Types.DataType type, params TensorShapeProto.Types.Dimension[] dimensions)
    {
        var shape = new TensorShapeProto();
        shape.Dim.Add(dimensions);
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)type, Shape = shape } },
        };
    }

    private static TensorShapeProto.Types.Dimension Fixed(long value) => new() { DimValue = value };

    private static TensorShapeProto.Types.Dimension Symbolic(string name) => new() { DimParam = name };
}
