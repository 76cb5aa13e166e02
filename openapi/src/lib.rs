//! The longjobs API contract: wire types shared by the server and the console.
