using KernelGen;

namespace KernelGen.Bench.LlamaCpp;

/// <summary>
/// The peer benchmark's large model: a realistic shape (GPT-2-small width, Llama's vocabulary) with one
/// KV head for twelve query heads (MQA) and a 4096-token context. Its kernels are specialized from the
/// config file at build time, the way a user would compile a Hugging Face model.
/// </summary>
[TransformerModel(ConfigFile = "LlamaCpp/mqa-768.config.json")]
public partial class Mqa768;
