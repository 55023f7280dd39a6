using System;
using System.Globalization;

namespace KernelGen.Checkpoints;

/// <summary>Typed access to the metadata, with errors that name the file and the key.</summary>
internal sealed class GgufMetadata(GgufFile file)
{
    public bool Has(string key) => file.Metadata.ContainsKey(key);

    public CheckpointException Error(string key, string problem, Exception? inner = null) =>
        new(file.FilePath, key, $"GGUF file '{file.FilePath}': {problem}.", inner);

    public string? String(string key, bool required)
    {
        if (!file.Metadata.TryGetValue(key, out var value))
        {
            return required ? throw Error(key, $"the metadata key {key} is missing") : null;
        }

        return value.Value as string ?? throw Error(key, $"{key} is {value.TypeName} {value}; it must be a string");
    }

    public int Int(string key, int? fallback = null, bool allowZero = false)
    {
        if (!file.Metadata.TryGetValue(key, out var value))
        {
            return fallback ?? throw Error(key, $"the metadata key {key} is missing");
        }

        if (!value.TryGetInt64(out long number))
        {
            throw Error(key, $"{key} is {value.TypeName} {value}; it must be an integer");
        }

        if (number < (allowZero ? 0 : 1) || number > int.MaxValue)
        {
            throw Error(key, string.Create(CultureInfo.InvariantCulture, $"{key} is {number}; it must be {(allowZero ? "0" : "1")} to {int.MaxValue}"));
        }

        return (int)number;
    }

    public double Float(string key, float? fallback)
    {
        if (!file.Metadata.TryGetValue(key, out var value))
        {
            return fallback ?? throw Error(key, $"the metadata key {key} is missing");
        }

        if (!value.TryGetDouble(out double number))
        {
            throw Error(key, $"{key} is {value.TypeName} {value}; it must be float32");
        }

        if (!(number > 0) || !float.IsFinite((float)number) || (float)number == 0)
        {
            throw Error(key, string.Create(CultureInfo.InvariantCulture, $"{key} is {number}; it must be a positive number within float32's range"));
        }

        return number;
    }
}
