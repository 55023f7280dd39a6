using System.Collections.Generic;
using System.Globalization;

namespace KernelGen.Configuration;

/// <summary>
/// One parsed JSON value with the line and column where it starts, so a file read at compile time
/// (a Hugging Face <c>config.json</c>) or at run time (a safetensors header) can point at the
/// offending value.
/// </summary>
internal sealed class JsonValue
{
    private readonly List<KeyValuePair<string, JsonValue>>? _members;
    private readonly List<JsonValue>? _items;

    private JsonValue(JsonKind kind, int line, int column, string? text, bool boolean, List<JsonValue>? items, List<KeyValuePair<string, JsonValue>>? members)
    {
        Kind = kind;
        Line = line;
        Column = column;
        Text = text;
        Boolean = boolean;
        _items = items;
        _members = members;
    }

    public JsonKind Kind { get; }

    /// <summary>1-based line where the value starts.</summary>
    public int Line { get; }

    /// <summary>1-based column where the value starts.</summary>
    public int Column { get; }

    /// <summary>A string's value, or a number exactly as written.</summary>
    public string? Text { get; }

    public bool Boolean { get; }

    /// <summary>An array's items; empty for other kinds.</summary>
    public IReadOnlyList<JsonValue> Items => (IReadOnlyList<JsonValue>?)_items ?? System.Array.Empty<JsonValue>();

    /// <summary>An object's members in file order; empty for other kinds.</summary>
    public IReadOnlyList<KeyValuePair<string, JsonValue>> Members =>
        (IReadOnlyList<KeyValuePair<string, JsonValue>>?)_members ?? System.Array.Empty<KeyValuePair<string, JsonValue>>();

    /// <summary>What a person would call the kind, for messages: "a string", "null".</summary>
    public string Description => Kind switch
    {
        JsonKind.Null => "null",
        JsonKind.Boolean => Boolean ? "true" : "false",
        JsonKind.Number => "the number " + Text,
        JsonKind.String => "a string",
        JsonKind.Array => "an array",
        _ => "an object",
    };

    /// <summary>The member named <paramref name="key"/> of an object, or null.</summary>
    public JsonValue? Get(string key)
    {
        if (_members is null)
        {
            return null;
        }

        foreach (var member in _members)
        {
            if (member.Key == key)
            {
                return member.Value;
            }
        }

        return null;
    }

    /// <summary>True for a number written as a whole number (no fraction, no exponent) that fits a <see cref="long"/>.</summary>
    public bool TryGetInt64(out long value)
    {
        value = 0;
        return Kind == JsonKind.Number && Text!.IndexOfAny(new[] { '.', 'e', 'E' }) < 0
            && long.TryParse(Text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value);
    }

    /// <summary>A number's value as a double.</summary>
    public bool TryGetDouble(out double value)
    {
        value = 0;
        return Kind == JsonKind.Number && double.TryParse(Text, NumberStyles.Float, CultureInfo.InvariantCulture, out value);
    }

    internal static JsonValue Scalar(JsonKind kind, int line, int column, string? text, bool boolean = false) =>
        new(kind, line, column, text, boolean, null, null);

    internal static JsonValue Array(int line, int column, List<JsonValue> items) =>
        new(JsonKind.Array, line, column, null, false, items, null);

    internal static JsonValue Object(int line, int column, List<KeyValuePair<string, JsonValue>> members) =>
        new(JsonKind.Object, line, column, null, false, null, members);
}
