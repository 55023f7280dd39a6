namespace KernelGen.Configuration;

/// <summary>The kind of a JSON value.</summary>
internal enum JsonKind
{
    Null,
    Boolean,
    Number,
    String,
    Array,
    Object,
}
