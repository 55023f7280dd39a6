namespace KernelGen.Patterns;

/// <summary>
/// The sparsity patterns, numbered as the public <c>KernelGen.SparsePattern</c> enum. Shared source
/// (generator and runtime) cannot see that enum from the generator, so it has its own copy.
/// </summary>
internal enum PatternKind
{
    Dense = 0,
    SlidingWindow = 1,
    Strided = 2,
    Fixed = 3,
    Global = 4,
    BigBird = 5,
    Layout = 6,
}
