namespace KernelGen.Configuration;

/// <summary>One problem with a model config file: the diagnostic ID, the 1-based line (0: the file as a whole), the key and what is wrong.</summary>
internal readonly struct ConfigProblem
{
    public ConfigProblem(string id, int line, string key, string message)
    {
        Id = id;
        Line = line;
        Key = key;
        Message = message;
    }

    public string Id { get; }

    public int Line { get; }

    /// <summary>The config key at fault, for example <c>num_key_value_heads</c>; empty for the file as a whole.</summary>
    public string Key { get; }

    public string Message { get; }

    public override string ToString() => Id + ": " + Message;
}
