// The sparsity patterns of the shared rules are the public KernelGen.SparsePattern enum itself: the
// runtime sees it in KernelGen.Abstractions, and the generator compiles Abstractions/SparsePattern.cs
// as an internal copy (BUILDING_SOURCE_GENERATOR). PatternKind is only the shared code's name for it.
global using PatternKind = KernelGen.SparsePattern;
