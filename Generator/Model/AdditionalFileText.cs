namespace KernelGen.Generator.Model;

/// <summary>An AdditionalFiles item's path and text, as values.</summary>
internal sealed record AdditionalFileText(string Path, string Text);
