namespace KernelGen.Checkpoints;

/// <summary>The file formats <see cref="ModelCheckpoint.Load(string)"/> reads.</summary>
public enum CheckpointFormat
{
    /// <summary>llama2.c's legacy ("version 0") <c>.bin</c>: a 28-byte header and float32 tensors.</summary>
    Llama2C,

    /// <summary>GGUF (llama.cpp), versions 2 and 3, <c>llama</c> architecture, F32/F16/BF16 and Q8_0/Q4_0/Q5_0/Q4_K/Q5_K/Q6_K tensors.</summary>
    Gguf,

    /// <summary>Hugging Face safetensors with a <c>config.json</c> (Llama and Mistral families), F32/F16/BF16 tensors.</summary>
    SafeTensors,

    /// <summary>llama2.c's int8 export ("version 2", what <c>runq.c</c> runs): int8 groups with float32 scales.</summary>
    Llama2CInt8,
}
