namespace KernelGen.Generator.Model;

/// <summary>A named attribute argument as written: its name, its value when it is an int, and where it is.</summary>
internal sealed record ArgumentInfo(string Name, int Value, LocationInfo? Location);
