using System;
using System.Globalization;

namespace KernelGen.Checkpoints;

/// <summary>One GGUF metadata value: its type and its .NET value.</summary>
/// <remarks>
/// Scalars are the matching .NET type (<see cref="uint"/> for <see cref="GgufValueType.UInt32"/>,
/// <see cref="string"/> for strings, ...). Arrays are .NET arrays of that type (<c>string[]</c>,
/// <c>float[]</c>, <c>int[]</c>, ...), and arrays of arrays are <c>GgufValue[]</c>.
/// </remarks>
public sealed class GgufValue
{
    internal GgufValue(GgufValueType type, object value, GgufValueType? elementType = null)
    {
        Type = type;
        Value = value;
        ElementType = elementType;
    }

    /// <summary>The value's type.</summary>
    public GgufValueType Type { get; }

    /// <summary>For an array, the type of its elements; otherwise null.</summary>
    public GgufValueType? ElementType { get; }

    /// <summary>The value, as described in the remarks.</summary>
    public object Value { get; }

    /// <summary>True for any of the integer types.</summary>
    public bool IsInteger => Type is GgufValueType.UInt8 or GgufValueType.Int8 or GgufValueType.UInt16 or GgufValueType.Int16
        or GgufValueType.UInt32 or GgufValueType.Int32 or GgufValueType.UInt64 or GgufValueType.Int64;

    /// <summary>The value of an integer of any width, when it fits a <see cref="long"/>.</summary>
    public bool TryGetInt64(out long value)
    {
        switch (Value)
        {
            case byte b: value = b; return true;
            case sbyte sb: value = sb; return true;
            case ushort us: value = us; return true;
            case short s: value = s; return true;
            case uint ui: value = ui; return true;
            case int i: value = i; return true;
            case long l: value = l; return true;
            case ulong ul when ul <= long.MaxValue: value = (long)ul; return true;
            default: value = 0; return false;
        }
    }

    /// <summary>The value of a float32 or float64.</summary>
    public bool TryGetDouble(out double value)
    {
        switch (Value)
        {
            case float f: value = f; return true;
            case double d: value = d; return true;
            default: value = 0; return false;
        }
    }

    /// <summary>The type as the specification names it, arrays with their element type: "array[string]".</summary>
    public string TypeName => Type == GgufValueType.Array ? $"array[{Name(ElementType!.Value)}]" : Name(Type);

    /// <inheritdoc />
    public override string ToString() => Value switch
    {
        string text => '"' + text + '"',
        Array array => $"{TypeName} of {array.Length}",
        IFormattable number => number.ToString(null, CultureInfo.InvariantCulture),
        _ => Value.ToString() ?? "",
    };

    /// <summary>The specification's name of a type: uint32, float32, string, ...</summary>
    public static string Name(GgufValueType type) => type switch
    {
        GgufValueType.UInt8 => "uint8",
        GgufValueType.Int8 => "int8",
        GgufValueType.UInt16 => "uint16",
        GgufValueType.Int16 => "int16",
        GgufValueType.UInt32 => "uint32",
        GgufValueType.Int32 => "int32",
        GgufValueType.Float32 => "float32",
        GgufValueType.Bool => "bool",
        GgufValueType.String => "string",
        GgufValueType.Array => "array",
        GgufValueType.UInt64 => "uint64",
        GgufValueType.Int64 => "int64",
        GgufValueType.Float64 => "float64",
        _ => "type " + ((uint)type).ToString(CultureInfo.InvariantCulture),
    };
}
