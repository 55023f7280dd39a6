namespace KernelGen.Validation;

/// <summary>
/// One broken rule: the diagnostic ID that reports it at compile time, the attribute property
/// (or checkpoint field) it is about, and a message that names the offending value.
/// </summary>
/// <remarks>
/// This file is compiled into both the generator and the runtime, so a shape written in an
/// attribute and a shape read from a checkpoint are judged by the same code and the same words.
/// </remarks>
internal readonly struct RuleViolation
{
    public RuleViolation(string id, string field, string message)
    {
        Id = id;
        Field = field;
        Message = message;
    }

    /// <summary>The diagnostic ID, <c>KG####</c>.</summary>
    public string Id { get; }

    /// <summary>The property or field that holds the offending value, for example <c>KvHeads</c>.</summary>
    public string Field { get; }

    /// <summary>What is wrong, with the value.</summary>
    public string Message { get; }

    public override string ToString() => Id + ": " + Message;
}
