namespace KernelGen.Configuration;

/// <summary>
/// A small strict JSON reader (RFC 8259) that remembers where each value starts. Written here
/// rather than taken from System.Text.Json because the generator targets netstandard2.0 and must
/// not ship dependencies; the runtime uses the same reader so both judge a file alike.
/// </summary>
/// <remarks>
/// Duplicate object keys are an error (safetensors requires it, and in a config file the second
/// would silently win). Nesting deeper than <see cref="MaxDepth"/> is an error, so a hostile file
/// cannot exhaust the stack.
/// </remarks>
internal static class JsonText
{
    /// <summary>Deepest nesting of arrays and objects accepted.</summary>
    public const int MaxDepth = 64;

    /// <summary>Parses <paramref name="text"/>, which must hold exactly one JSON value.</summary>
    /// <exception cref="JsonFormatException">The text is not valid JSON; the exception says where.</exception>
    public static JsonValue Parse(string text)
    {
        var reader = new JsonReader(text);
        reader.SkipByteOrderMark();
        reader.SkipWhitespace();
        var value = reader.ReadValue(0);
        reader.SkipWhitespace();
        if (!reader.AtEnd)
        {
            throw reader.Error("unexpected text after the JSON value");
        }

        return value;
    }
}
