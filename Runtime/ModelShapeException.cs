using System;

namespace KernelGen;

/// <summary>
/// A model shape that breaks one of KernelGen's rules, found at run time (for example in a
/// checkpoint header). The same rule found in an attribute is compile error <see cref="RuleId"/>.
/// </summary>
public sealed class ModelShapeException : ArgumentException
{
    /// <summary>Creates the exception.</summary>
    public ModelShapeException(string ruleId, string field, string message)
        : base(message, field)
    {
        RuleId = ruleId;
        Field = field;
    }

    /// <summary>The rule's diagnostic ID (<c>KG####</c>).</summary>
    public string RuleId { get; }

    /// <summary>The field that holds the offending value.</summary>
    public string Field { get; }
}
